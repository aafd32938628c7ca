// attack: spellings of OUTSIDE/secret a path normaliser might get wrong: //, /./,
// sub/.., trailing-slash directory, /proc/.. and the cwd's own ..
// grant: --dir {outside}
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    char v[8][PATH_MAX];
    snprintf(v[0], PATH_MAX, "/%s/secret", OUT);
    snprintf(v[1], PATH_MAX, "%s/./secret", OUT);
    snprintf(v[2], PATH_MAX, "%s/sub/../secret", OUT);
    snprintf(v[3], PATH_MAX, "%s//sub//..//secret", OUT);
    snprintf(v[4], PATH_MAX, "/./%s/secret", OUT + 1);
    snprintf(v[5], PATH_MAX, "/proc/../%s/secret", OUT + 1);
    snprintf(v[6], PATH_MAX, "%s/../%s/secret", CWD, rel_out("") + 3);
    snprintf(v[7], PATH_MAX, "%s/%s", CWD, rel_out("secret"));
    for (int i = 0; i < 8; i++)
        if (read_secret(v[i])) escaped("read %s", v[i]);
    contained("all 8 spellings refused (last: %s)", E_);
}
