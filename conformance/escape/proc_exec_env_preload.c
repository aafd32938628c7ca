// attack: execve a wasm module with LD_PRELOAD in its environment: the runtime re-runs
// itself (a dynamically linked host program) with the guest's environment, so the
// host's loader would map a library the guest wrote. The probe names a library that
// does not exist; the loader's complaint on stderr proves it read the variable.
// grant: none
// (the runtime never hands the guest's environment to the host, even under --allow-all)
#include "escape.h"
static int child(void *a) {
    (void)a;
    int e = open("err.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (e < 0) return 98;
    dup2(e, 2);
    char *av[] = {"probe.wasm", NULL};
    char *ev[] = {"LD_PRELOAD=/wali-escape-preload-probe.so", "LD_DEBUG=", NULL};
    execve("./probe.wasm", av, ev);
    return 99;
}
int main(int argc, char **argv) {
    setup(argc, argv);
    if (write_probe_module("probe.wasm", ".") < 0) broken("write probe.wasm");
    int st = in_child(child, NULL);
    char buf[4096] = "";
    int fd = open("err.txt", O_RDONLY);
    ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
    buf[n > 0 ? n : 0] = 0;
    if (strstr(buf, "wali-escape-preload-probe"))
        escaped("the host loader read the guest's LD_PRELOAD (child exit %d)", st);
    char *nl = strchr(buf, '\n');
    if (nl) *nl = 0;
    contained("child exit %d, stderr: %s", st, buf[0] ? buf : "(empty)");
}
