/* The thread pointer lives in wasm thread-local storage: each guest thread is its own
 * instance with its own __tls_base, so a _Thread_local word is per thread. */
extern _Thread_local unsigned long __wasm_thread_pointer;

static inline uintptr_t __get_tp()
{
	return __wasm_thread_pointer;
}

/* Only read by the cancellation signal handler, which wasm code never reaches. */
#define MC_PC gregs[REG_RIP]
