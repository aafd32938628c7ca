// attack: reach System V objects another process made (by key, by id, by index): attach its segment, take its message, read or set its semaphore, remove them
// grant: --allow-all
// fixture: sysv
#include "escape.h"
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>

union semun { int val; struct semid_ds *buf; unsigned short *array; };

static int leaked(const char *p) { return p != (void *)-1 && p && memcmp(p, SECRET, strlen(SECRET)) == 0; }

int main(int argc, char **argv) {
    setup(argc, argv);
    key_t key = (key_t)(0x57a10000 | (PORT & 0xfff) << 4);
    int shm = -1, msq = -1, sem = -1;
    FILE *f = fopen(".sysv", "r");
    if (!f || fscanf(f, "%d %d %d", &shm, &msq, &sem) != 3) broken("no .sysv fixture");
    fclose(f);
    char why[512] = "";
    int n = 0;
#define NOTE(...) (n += snprintf(why + n, sizeof why - n, __VA_ARGS__))

    /* By key. */
    int k = shmget(key, 0, 0);
    NOTE("shmget(key) %s; ", k >= 0 ? "found" : E_);
    if (k >= 0 && leaked(shmat(k, 0, SHM_RDONLY))) escaped("shmget(key) + shmat read the secret");
    k = shmget(key, 4096, IPC_CREAT | 0600);
    if (k >= 0 && leaked(shmat(k, 0, 0))) escaped("shmget(key, IPC_CREAT) + shmat read the secret");
    k = msgget(key + 1, 0);
    NOTE("msgget(key) %s; ", k >= 0 ? "found" : E_);
    struct { long mtype; char mtext[64]; } m;
    memset(&m, 0, sizeof m);
    if (k >= 0 && msgrcv(k, &m, sizeof m.mtext, 0, IPC_NOWAIT) > 0 && leaked(m.mtext))
        escaped("msgget(key) + msgrcv took the secret");
    k = semget(key + 2, 0, 0);
    NOTE("semget(key) %s; ", k >= 0 ? "found" : E_);
    if (k >= 0 && semctl(k, 0, GETVAL) == 7) escaped("semget(key) + semctl read the semaphore");

    /* By id. */
    char *p = shmat(shm, 0, 0);
    NOTE("shmat(id) %s; ", p != (void *)-1 ? "attached" : E_);
    if (leaked(p)) escaped("shmat(id %d) read the secret", shm);
    struct shmid_ds sds;
    if (shmctl(shm, IPC_STAT, &sds) == 0) escaped("shmctl(id, IPC_STAT) answered");
    if (msgrcv(msq, &m, sizeof m.mtext, 0, IPC_NOWAIT) > 0) escaped("msgrcv(id) took a message");
    struct msqid_ds mds;
    if (msgctl(msq, IPC_STAT, &mds) == 0) escaped("msgctl(id, IPC_STAT) answered");
    NOTE("semctl(id) %s; ", semctl(sem, 0, GETVAL) >= 0 ? "answered" : E_);
    if (semctl(sem, 0, GETVAL) == 7) escaped("semctl(id, GETVAL) read the semaphore");
    if (semctl(sem, 0, SETVAL, (union semun){.val = 1}) == 0) escaped("semctl(id, SETVAL) set it");
    struct sembuf op = {0, -1, IPC_NOWAIT};
    if (semop(sem, &op, 1) == 0) escaped("semop(id) took the semaphore");

    /* By index in the host's tables. */
    for (int i = 0; i < 256; i++) {
        int id = shmctl(i, SHM_STAT, &sds);
        if (id >= 0 && leaked(shmat(id, 0, 0))) escaped("SHM_STAT index %d gave id %d: read the secret", i, id);
        id = shmctl(i, SHM_STAT_ANY, &sds);
        if (id >= 0 && leaked(shmat(id, 0, 0))) escaped("SHM_STAT_ANY index %d gave id %d: read the secret", i, id);
        if (msgctl(i, MSG_STAT, &mds) == msq) escaped("MSG_STAT index %d found the queue", i);
    }

    /* Remove them. */
    if (shmctl(shm, IPC_RMID, 0) == 0) escaped("shmctl(id, IPC_RMID) removed the segment");
    if (msgctl(msq, IPC_RMID, 0) == 0) escaped("msgctl(id, IPC_RMID) removed the queue");
    if (semctl(sem, 0, IPC_RMID) == 0) escaped("semctl(id, IPC_RMID) removed the set");
    contained("%s", why);
}
