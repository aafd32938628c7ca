/* setjmp/longjmp on wasm exception handling. Built with -mllvm -wasm-enable-sjlj:
 * clang rewrites each setjmp call site to record (label, invocation id) through
 * __wasm_setjmp, and turns longjmp into __wasm_longjmp, which throws the C longjmp
 * tag; the rewritten caller catches it and asks __wasm_setjmp_test whether the jump
 * is its own. */
#include <stdint.h>

struct jmp_state {
	void *invocation;
	uint32_t label;
};

struct longjmp_arg {
	void *env;
	int val;
};

void __wasm_setjmp(void *env, uint32_t label, void *invocation)
{
	struct jmp_state *s = env;
	s->invocation = invocation;
	s->label = label;
}

uint32_t __wasm_setjmp_test(void *env, void *invocation)
{
	struct jmp_state *s = env;
	return s->invocation == invocation ? s->label : 0;
}

/* Per thread: the thrown value points here. */
static _Thread_local struct longjmp_arg arg;

_Noreturn void __wasm_longjmp(void *env, int val)
{
	arg.env = env;
	arg.val = val ? val : 1;
	__builtin_wasm_throw(1, &arg);
}
