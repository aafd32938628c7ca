// attack: write a module (or a host script) into a memfd and execve it by its
// /proc/self/fd/N name, as fexecve does: a file no path check ever saw
// grant: --allow-all
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    int fd = syscall(SYS_memfd_create, "x", 0);
    if (fd < 0) contained("memfd_create: %s", E_);
    const char *script = "#!/bin/sh\nexit 0\n";
    if (write(fd, script, strlen(script)) < 0) broken("write memfd");
    fchmod(fd, 0755);
    char p[64];
    snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
    char *av[] = {"x", 0};
    execve(p, av, environ);
    int e1 = errno;
    snprintf(p, sizeof p, "/dev/fd/%d", fd);
    execve(p, av, environ);
    contained("execve /proc/self/fd/%d: %s, /dev/fd/%d: %s", fd, errname(e1), fd, E_);
}
