// syscalls: msgget msgsnd msgrcv msgctl semget semop semtimedop semctl shmget shmat shmdt shmctl fork wait4 munmap
// xfail: shmat.rdonly_store SHM_RDONLY attaches read-write (linear memory has no read-only pages): the child's store succeeds (Linux: SIGSEGV)
#include "../case.h"
#include <stdint.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct msg { long mtype; char mtext[32]; };
union semun { int val; struct semid_ds *buf; unsigned short *array; };

/* A key of this run's own (native and wasm runs may overlap). */
static key_t key_of(int n) { return (key_t)(0x51c00000 | (n << 16) | (getpid() & 0xffff)); }

static void queues(void) {
    int q = msgget(IPC_PRIVATE, 0600);
    CHECK("msgget.private", q >= 0);
    struct msg m = {5, "hello"}, r;
    CHECK("msgsnd.first", msgsnd(q, &m, 6, 0));
    m.mtype = 2; strcpy(m.mtext, "world!");
    CHECK("msgsnd.second", msgsnd(q, &m, 7, 0));
    m.mtype = 9; strcpy(m.mtext, "third");
    CHECK("msgsnd.third", msgsnd(q, &m, 6, IPC_NOWAIT));
    m.mtype = 0;
    CHECK("msgsnd.zero_type", msgsnd(q, &m, 6, 0));
    m.mtype = -3;
    CHECK("msgsnd.negative_type", msgsnd(q, &m, 6, 0));
    CHECK("msgsnd.bad_ptr", syscall(SYS_msgsnd, q, BAD, 6, 0));
    CHECK("msgsnd.huge", msgsnd(q, &m, (size_t)1 << 30, 0));

    struct msqid_ds ds;
    memset(&ds, 0, sizeof ds);
    CHECK("msgctl.stat", msgctl(q, IPC_STAT, &ds));
    SHOW("msgctl.stat_qnum", "%lu", (unsigned long)ds.msg_qnum);
    SHOW("msgctl.stat_cbytes", "%lu", (unsigned long)ds.msg_cbytes);
    SHOW("msgctl.stat_mode", "%o", ds.msg_perm.mode & 0777);
    CHECK("msgctl.stat_lspid", ds.msg_lspid == getpid());
    CHECK("msgctl.stat_uid", ds.msg_perm.uid == getuid());
    CHECK("msgctl.stat_bad_ptr", syscall(SYS_msgctl, q, IPC_STAT, BAD));
    ds.msg_qbytes = 4000;
    ds.msg_perm.mode = 0640;
    CHECK("msgctl.set", msgctl(q, IPC_SET, &ds));
    memset(&ds, 0, sizeof ds);
    msgctl(q, IPC_STAT, &ds);
    SHOW("msgctl.set_qbytes", "%lu", (unsigned long)ds.msg_qbytes);
    SHOW("msgctl.set_mode", "%o", ds.msg_perm.mode & 0777);
    CHECK("msgctl.bad_cmd", msgctl(q, 77, &ds));

    memset(&r, 0, sizeof r);
    CHECK("msgrcv.type2", msgrcv(q, &r, sizeof r.mtext, 2, 0));
    SHOW("msgrcv.type2_msg", "%ld %s", r.mtype, r.mtext);
    memset(&r, 0, sizeof r);
    CHECK("msgrcv.below8", msgrcv(q, &r, sizeof r.mtext, -8, 0));
    SHOW("msgrcv.below8_msg", "%ld %s", r.mtype, r.mtext);
    CHECK("msgrcv.too_small", msgrcv(q, &r, 2, 0, 0));
    memset(&r, 0, sizeof r);
    CHECK("msgrcv.noerror", msgrcv(q, &r, 2, 0, MSG_NOERROR));
    SHOW("msgrcv.noerror_msg", "%ld %.2s", r.mtype, r.mtext);
    CHECK("msgrcv.empty_nowait", msgrcv(q, &r, sizeof r.mtext, 0, IPC_NOWAIT));
    CHECK("msgrcv.except_nowait", msgrcv(q, &r, sizeof r.mtext, 1, IPC_NOWAIT | 020000));
    m.mtype = 1; strcpy(m.mtext, "lost");
    msgsnd(q, &m, 5, 0);
    CHECK("msgrcv.bad_ptr", syscall(SYS_msgrcv, q, BAD, 32, 0, IPC_NOWAIT));
    CHECK("msgrcv.bad_ptr_consumed", msgrcv(q, &r, sizeof r.mtext, 0, IPC_NOWAIT));

    /* A child's message reaches the parent through the queue. */
    pid_t c = fork();
    if (c == 0) {
        struct msg k = {7, "from child"};
        _exit(msgsnd(q, &k, 11, 0) == 0 ? 0 : 1);
    }
    int st = -1;
    waitpid(c, &st, 0);
    CHECK("msgsnd.child_status", st);
    memset(&r, 0, sizeof r);
    CHECK("msgrcv.from_child", msgrcv(q, &r, sizeof r.mtext, 7, 0));
    SHOW("msgrcv.from_child_msg", "%ld %s", r.mtype, r.mtext);

    CHECK("msgctl.rmid", msgctl(q, IPC_RMID, 0));
    CHECK("msgsnd.removed", msgsnd(q, &m, 5, 0));
    CHECK("msgctl.removed", msgctl(q, IPC_STAT, &ds));
    CHECK("msgctl.negative_id", msgctl(-1, IPC_STAT, &ds));

    key_t k = key_of(1);
    int a = msgget(k, IPC_CREAT | IPC_EXCL | 0600);
    CHECK("msgget.key_create", a >= 0);
    CHECK("msgget.key_lookup", msgget(k, 0) == a);
    CHECK("msgget.key_create_again", msgget(k, IPC_CREAT | 0600) == a);
    CHECK("msgget.key_excl", msgget(k, IPC_CREAT | IPC_EXCL | 0600));
    CHECK("msgctl.key_rmid", msgctl(a, IPC_RMID, 0));
    CHECK("msgget.key_gone", msgget(k, 0));
}

static void semaphores(void) {
    int s = semget(IPC_PRIVATE, 3, 0600);
    CHECK("semget.private", s >= 0);
    CHECK("semget.too_many", semget(IPC_PRIVATE, 1 << 30, 0600));
    CHECK("semctl.setval", semctl(s, 0, SETVAL, (union semun){.val = 5}));
    CHECK("semctl.getval", semctl(s, 0, GETVAL));
    CHECK("semctl.setval_range", semctl(s, 0, SETVAL, (union semun){.val = -1}));
    unsigned short all[3] = {1, 2, 3}, got[3] = {0};
    CHECK("semctl.setall", semctl(s, 0, SETALL, (union semun){.array = all}));
    CHECK("semctl.getall", semctl(s, 0, GETALL, (union semun){.array = got}));
    SHOW("semctl.getall_values", "%u %u %u", got[0], got[1], got[2]);
    CHECK("semctl.getall_bad_ptr", syscall(SYS_semctl, s, 0, GETALL, BAD));
    CHECK("semctl.getval_bad_num", semctl(s, 7, GETVAL));
    struct semid_ds ds;
    memset(&ds, 0, sizeof ds);
    CHECK("semctl.stat", semctl(s, 0, IPC_STAT, (union semun){.buf = &ds}));
    SHOW("semctl.stat_nsems", "%lu", (unsigned long)ds.sem_nsems);
    SHOW("semctl.stat_mode", "%o", ds.sem_perm.mode & 0777);
    ds.sem_perm.mode = 0660;
    CHECK("semctl.set", semctl(s, 0, IPC_SET, (union semun){.buf = &ds}));
    memset(&ds, 0, sizeof ds);
    semctl(s, 0, IPC_STAT, (union semun){.buf = &ds});
    SHOW("semctl.set_mode", "%o", ds.sem_perm.mode & 0777);

    struct sembuf ops[2] = {{0, -1, 0}, {2, 2, 0}};
    CHECK("semop.two", semop(s, ops, 2));
    semctl(s, 0, GETALL, (union semun){.array = got});
    SHOW("semop.two_values", "%u %u %u", got[0], got[1], got[2]);
    CHECK("semctl.getpid", semctl(s, 0, GETPID) == getpid());
    struct sembuf take = {0, -1, IPC_NOWAIT};
    CHECK("semop.would_block", semop(s, &take, 1));
    CHECK("semop.none", semop(s, ops, 0));
    CHECK("semop.bad_ptr", syscall(SYS_semop, s, BAD, 1));
    CHECK("semop.bad_num", semop(s, &(struct sembuf){9, 1, 0}, 1));
    CHECK("semctl.getncnt", semctl(s, 0, GETNCNT));
    CHECK("semctl.getzcnt", semctl(s, 0, GETZCNT));

    struct timespec ts = {0, 20000000};
    struct sembuf wait0 = {0, -1, 0};
    CHECK("semtimedop.timeout", semtimedop(s, &wait0, 1, &ts));
    ts.tv_nsec = 1000000000;
    CHECK("semtimedop.bad_nsec", semtimedop(s, &wait0, 1, &ts));
    CHECK("semtimedop.bad_ts_ptr", syscall(SYS_semtimedop, s, &wait0, 1, BAD));
    struct sembuf give = {1, 1, 0};
    ts.tv_nsec = 0; ts.tv_sec = 1;
    CHECK("semtimedop.ok", semtimedop(s, &give, 1, &ts));
    CHECK("semctl.getval1", semctl(s, 1, GETVAL));

    /* A child blocked on the set is woken by the parent. */
    pid_t c = fork();
    if (c == 0) {
        struct sembuf w = {0, -1, 0};
        _exit(semop(s, &w, 1) == 0 ? 0 : 1);
    }
    struct timespec nap = {0, 20000000};
    for (int i = 0; i < 200 && semctl(s, 0, GETNCNT) != 1; i++) nanosleep(&nap, 0);
    CHECK("semctl.child_waits", semctl(s, 0, GETNCNT));
    struct sembuf post = {0, 1, 0};
    CHECK("semop.post", semop(s, &post, 1));
    int st = -1;
    waitpid(c, &st, 0);
    CHECK("semop.child_status", st);

    CHECK("semctl.rmid", semctl(s, 0, IPC_RMID));
    CHECK("semop.removed", semop(s, &post, 1));
    CHECK("semctl.removed", semctl(s, 0, GETVAL));

    key_t k = key_of(2);
    int a = semget(k, 1, IPC_CREAT | IPC_EXCL | 0600);
    CHECK("semget.key_create", a >= 0);
    CHECK("semget.key_lookup", semget(k, 1, 0) == a);
    CHECK("semget.key_more_sems", semget(k, 2, 0));
    CHECK("semget.key_excl", semget(k, 1, IPC_CREAT | IPC_EXCL | 0600));
    CHECK("semctl.key_rmid", semctl(a, 0, IPC_RMID));
    CHECK("semget.key_gone", semget(k, 1, 0));
}

static void segments(void) {
    int id = shmget(IPC_PRIVATE, 10000, 0600);
    CHECK("shmget.private", id >= 0);
    CHECK("shmget.zero_size", shmget(IPC_PRIVATE, 0, 0600));
    char *p = shmat(id, 0, 0);
    CHECK("shmat.anywhere", p != (char *)-1);
    CHECK("shmat.aligned", ((uintptr_t)p & 4095) == 0);
    CHECK("shmat.zeroed", p[0] == 0 && p[9999] == 0 && p[12287] == 0);
    strcpy(p, "parent");
    struct shmid_ds ds;
    memset(&ds, 0, sizeof ds);
    CHECK("shmctl.stat", shmctl(id, IPC_STAT, &ds));
    SHOW("shmctl.stat_segsz", "%lu", (unsigned long)ds.shm_segsz);
    SHOW("shmctl.stat_nattch", "%lu", (unsigned long)ds.shm_nattch);
    CHECK("shmctl.stat_cpid", ds.shm_cpid == getpid());
    SHOW("shmctl.stat_mode", "%o", ds.shm_perm.mode & 0777);
    CHECK("shmctl.stat_bad_ptr", syscall(SYS_shmctl, id, IPC_STAT, BAD));
    ds.shm_perm.mode = 0640;
    CHECK("shmctl.set", shmctl(id, IPC_SET, &ds));
    shmctl(id, IPC_STAT, &ds);
    SHOW("shmctl.set_mode", "%o", ds.shm_perm.mode & 0777);
    CHECK("shmctl.bad_cmd", shmctl(id, 99, &ds));

    /* Two attaches of one segment are one memory. */
    char *q = shmat(id, 0, 0);
    CHECK("shmat.second", q != (char *)-1 && q != p);
    q[100] = 'x';
    CHECK("shmat.aliased", p[100] == 'x' && strcmp(q, "parent") == 0);
    shmctl(id, IPC_STAT, &ds);
    SHOW("shmat.nattch2", "%lu", (unsigned long)ds.shm_nattch);

    /* Shared across fork, both ways. */
    pid_t c = fork();
    if (c == 0) {
        int ok = strcmp(p, "parent") == 0;
        strcpy(p + 200, "child wrote");
        shmdt(q);
        _exit(ok ? 0 : 1);
    }
    int st = -1;
    waitpid(c, &st, 0);
    CHECK("shmat.fork_child_status", st);
    SHOW("shmat.fork_shared", "%s", p + 200);
    shmctl(id, IPC_STAT, &ds);
    SHOW("shmat.fork_nattch", "%lu", (unsigned long)ds.shm_nattch);

    /* A read-only attach: a store faults on Linux. */
    char *ro = shmat(id, 0, SHM_RDONLY);
    CHECK("shmat.rdonly", ro != (char *)-1);
    CHECK("shmat.rdonly_reads", strcmp(ro, "parent") == 0);
    c = fork();
    if (c == 0) {
        *(volatile char *)(ro + 9000) = 'w';
        _exit(0);
    }
    st = 0;
    waitpid(c, &st, 0);
    SHOW("shmat.rdonly_store", "%s", WIFSIGNALED(st) ? "killed" : "stored");
    CHECK("shmdt.rdonly", shmdt(ro));

    CHECK("shmdt.second", shmdt(q));
    CHECK("shmdt.again", shmdt(q));
    CHECK("shmdt.not_attached", shmdt(p + 4096));
    CHECK("shmdt.unaligned", shmdt(p + 1));

    /* At a given address: taken (EINVAL), replaced (SHM_REMAP), rounded (SHM_RND). */
    CHECK("shmat.taken", (long)shmat(id, p, 0));
    CHECK("shmat.unaligned", (long)shmat(id, p + 1, 0));
    CHECK("shmat.remap", shmat(id, p, SHM_REMAP) == p);
    CHECK("shmat.remap_same", strcmp(p, "parent") == 0);
    CHECK("shmat.remap_no_addr", (long)shmat(id, 0, SHM_REMAP));
    shmctl(id, IPC_STAT, &ds);
    SHOW("shmat.remap_nattch", "%lu", (unsigned long)ds.shm_nattch);
    CHECK("shmdt.first", shmdt(p));
    CHECK("shmat.rnd", shmat(id, p + 10, SHM_RND) == p);
    CHECK("shmat.rnd_contents", strcmp(p + 200, "child wrote") == 0);
    CHECK("shmat.rdonly", shmat(id, 0, SHM_RDONLY) != (void *)-1);
    CHECK("shmat.rnd_to_null", shmat(id, (void *)10, SHM_RND) != (void *)-1);
    CHECK("shmat.rnd_to_null_remap", (long)shmat(id, (void *)10, SHM_RND | SHM_REMAP));
    CHECK("shmat.bad_id", (long)shmat(-1, 0, 0));

    /* munmap detaches too; shmdt then finds nothing. */
    CHECK("munmap.segment", munmap(p, 12288));
    CHECK("shmdt.after_munmap", shmdt(p));

    /* Removed while attached: alive until the last detach. */
    char *r = shmat(id, 0, 0);
    CHECK("shmctl.rmid", shmctl(id, IPC_RMID, 0));
    CHECK("shmctl.stat_after_rmid", shmctl(id, IPC_STAT, &ds));
    CHECK("shmctl.rmid_dest", (ds.shm_perm.mode & SHM_DEST) != 0);
    CHECK("shmat.removed_still_there", strcmp(r, "parent") == 0);
    CHECK("shmdt.removed", shmdt(r));

    key_t k = key_of(3);
    int a = shmget(k, 8192, IPC_CREAT | IPC_EXCL | 0600);
    CHECK("shmget.key_create", a >= 0);
    CHECK("shmget.key_lookup", shmget(k, 4096, 0) == a);
    CHECK("shmget.key_too_big", shmget(k, 100000, 0));
    CHECK("shmget.key_excl", shmget(k, 8192, IPC_CREAT | IPC_EXCL | 0600));
    CHECK("shmctl.key_rmid", shmctl(a, IPC_RMID, 0));
    CHECK("shmget.key_gone", shmget(k, 8192, 0));
    CHECK("shmctl.removed", shmctl(a, IPC_STAT, &ds));
}

int main(void) {
    queues();
    semaphores();
    segments();
    return 0;
}
