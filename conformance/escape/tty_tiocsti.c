// attack: TIOCSTI on a terminal whose foreground group is a foreign process: push a byte into its input queue, as if typed (on /dev/tty: a command typed into the operator's shell)
// grant: --allow-signals
// victim: tty
#include "escape.h"
#include <sys/ioctl.h>
int main(int argc, char **argv) {
    setup(argc, argv);
    if (VICTIM <= 1) broken("no victim");
    char c = '\n';
    if (ioctl(0, 0x5412 /* TIOCSTI */, &c)) contained("TIOCSTI: %s", E_);
    escaped("TIOCSTI pushed a byte into the terminal's input");
}
