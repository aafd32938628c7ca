#include "pthread_impl.h"

/* The thread pointer: a wasm thread-local word (see pthread_arch.h). */
_Thread_local unsigned long __wasm_thread_pointer;

int __set_thread_area(void *p)
{
	__wasm_thread_pointer = (unsigned long)p;
	return 0;
}
