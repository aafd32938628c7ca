/* The WALI kernel sigaction: packed, 24 bytes,
 * {u32 handler; u64 flags; u32 restorer; u32 mask[2]}. */
struct k_sigaction {
	void (*handler)(int);
	unsigned long long flags;
	void (*restorer)(void);
	unsigned mask[2];
} __attribute__((packed));

hidden void __restore_rt();
#define __restore __restore_rt
