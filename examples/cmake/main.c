/* cmakedemo: what CMake's checks found (config.h), the project's library, a thread. */
#include <pthread.h>
#include <stdio.h>
#include "config.h"
#include "shapes.h"

static void *work(void *arg) {
    double *r = arg;
    *r = shapes_circle_area(*r);
    return NULL;
}

int main(void) {
    printf("cmakedemo %s\n", DEMO_VERSION);
#ifdef HAVE_SYS_EPOLL_H
    printf("HAVE_SYS_EPOLL_H: yes\n");
#endif
#ifdef HAVE_WALI_NO_SUCH_HEADER_H
    printf("HAVE_WALI_NO_SUCH_HEADER_H: yes (wrong: the header does not exist)\n");
#endif
#ifdef HAVE_GETRANDOM
    printf("HAVE_GETRANDOM: yes\n");
#endif
#ifdef PROGRAMS_RUN
    printf("PROGRAMS_RUN: yes\n");
#endif
    printf("CONFIGURED_SIZEOF_LONG is sizeof(long): %s\n",
           CONFIGURED_SIZEOF_LONG == sizeof(long) ? "yes" : "no");
    double r = 2.5;
    pthread_t t;
    if (pthread_create(&t, NULL, work, &r) != 0)
        return 1;
    pthread_join(t, NULL);
    printf("area %.9f hypot %.9f\n", r, shapes_hypot(3, 4));
    return 0;
}
