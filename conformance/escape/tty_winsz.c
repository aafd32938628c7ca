// attack: TIOCSWINSZ on a terminal the guest holds (stdin: a pty whose foreground group is a foreign process, as the operator's shell is on /dev/tty): resizes it and sends SIGWINCH to that group
// grant: --allow-signals
// victim: tty
#include "escape.h"
#include <sys/ioctl.h>
int main(int argc, char **argv) {
    setup(argc, argv);
    if (VICTIM <= 1) broken("no victim");
    struct winsize ws;
    if (ioctl(0, TIOCGWINSZ, &ws)) broken("TIOCGWINSZ on stdin");
    ws.ws_row = ws.ws_row == 33 ? 34 : 33; /* a change, or the kernel sends nothing */
    ws.ws_col = 101;
    if (ioctl(0, TIOCSWINSZ, &ws)) contained("TIOCSWINSZ: %s", E_);
    if (victim_hit(2000)) escaped("the terminal's foreground group (%d) got SIGWINCH", VICTIM);
    contained("TIOCSWINSZ accepted, but the victim got nothing");
}
