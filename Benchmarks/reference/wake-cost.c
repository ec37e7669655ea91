// What one thread waking another costs this machine: the process's CPU per wake-up, for two threads that hand a
// token back and forth through a futex, each sleeping until the other wakes it. Across cores (the threads on CPUs 0
// and 1), every wake-up is an inter-processor interrupt; on one core (both on CPU 0), a switch on its run queue.
// The bridge hands each opt-out between threads (listener, journal, Swift's pool, NLPearl's event loop), so this is
// what each hand-off that finds its thread asleep costs, beside the work it hands over (`wake-ups.py` counts them).
//
//     cc -O2 -o wake-cost wake-cost.c -lpthread && ./wake-cost      # prints two lines: across cores, on one core
#define _GNU_SOURCE
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS 100000

static atomic_int turn;

static void sleep_while(int value) {
    while (atomic_load(&turn) == value) syscall(SYS_futex, &turn, FUTEX_WAIT_PRIVATE, value, NULL, NULL, 0);
}

static void hand_over(int value) {
    atomic_store(&turn, value);
    syscall(SYS_futex, &turn, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void pin(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

static void *partner(void *cpu) {
    pin(*(int *)cpu);
    for (int i = 0; i < ROUNDS; i++) {
        sleep_while(0);
        hand_over(0);
    }
    return NULL;
}

static double cpu_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

// CPU microseconds per wake-up with the partner thread on `other` and this one on CPU 0.
static double measure(int other) {
    pthread_t thread;
    atomic_store(&turn, 0);
    pin(0);
    pthread_create(&thread, NULL, partner, &other);
    double start = cpu_seconds();
    for (int i = 0; i < ROUNDS; i++) {
        hand_over(1);
        sleep_while(1);
    }
    pthread_join(thread, NULL);
    return (cpu_seconds() - start) / (2.0 * ROUNDS) * 1e6;
}

int main(void) {
    if (sysconf(_SC_NPROCESSORS_ONLN) > 1) printf("across cores: %.2f us of CPU per wake-up\n", measure(1));
    printf("on one core: %.2f us of CPU per wake-up\n", measure(0));
    return 0;
}
