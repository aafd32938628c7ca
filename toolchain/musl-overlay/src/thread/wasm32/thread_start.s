# The entry of a new guest thread, exported as __wasm_thread_start_libc(tid, arg):
# before any C code, point __stack_pointer at the thread's own stack (arg->stack,
# word 0 of struct wasm_thread_start in clone.c); a fresh instance's stack pointer
# still points at the main thread's stack.
	.globaltype __stack_pointer, i32
	.functype __wasm_thread_start_C (i32, i32) -> ()

	.globl __wasm_thread_start_libc
	.export_name __wasm_thread_start_libc, __wasm_thread_start_libc
	.type __wasm_thread_start_libc,@function
__wasm_thread_start_libc:
	.functype __wasm_thread_start_libc (i32, i32) -> ()
	local.get 1
	i32.load 0
	global.set __stack_pointer
	local.get 0
	local.get 1
	call __wasm_thread_start_C
	end_function
