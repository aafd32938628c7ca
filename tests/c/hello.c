// args: one "two words" --three
// env: WALI_GREETING=hello-from-env
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    printf("argc=%d\n", argc);
    for (int i = 1; i < argc; i++)
        printf("argv[%d]=%s\n", i, argv[i]);
    const char *g = getenv("WALI_GREETING");
    printf("WALI_GREETING=%s\n", g ? g : "(unset)");
    printf("MISSING=%s\n", getenv("WALI_MISSING") ? "set" : "(unset)");
    return 0;
}
