// attack: write a shell script into the writable cwd and execve it (the kernel then
// runs the host's /bin/sh as its interpreter)
// grant: --allow-exec
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    const char s[] = "#!/bin/sh\necho 'ESCAPED: the script ran'\nexit 0\n";
    int fd = open("x.sh", O_WRONLY | O_CREAT | O_TRUNC, 0755);
    if (fd < 0 || write(fd, s, sizeof s - 1) != sizeof s - 1) broken("write x.sh");
    close(fd);
    char *av[] = {"x.sh", NULL};
    execve("./x.sh", av, environ);
    contained("execve ./x.sh: %s", E_);
}
