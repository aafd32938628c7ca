/* libunwind for Rust programs on WALI (linked as -lunwind, which std's unwind crate asks
 * for on musl targets), after LLVM libunwind's Unwind-wasm.c. Wasm exception handling
 * has no stack walking and no two-phase search: a panic is a wasm `throw` with the C++
 * tag (LLVM's tag 0, __cpp_exception, which clang defines with the throw), Rust's catch_unwind and drop
 * cleanups are wasm catch blocks, and the runtime unwinds the wasm stack. Backtraces
 * are empty (the wasm stack is not readable from inside). */
#include <stdint.h>
#include <stddef.h>

typedef enum {
	_URC_NO_REASON = 0,
	_URC_FOREIGN_EXCEPTION_CAUGHT = 1,
	_URC_FATAL_PHASE1_ERROR = 3,
	_URC_END_OF_STACK = 5,
	_URC_HANDLER_FOUND = 6,
	_URC_CONTINUE_UNWIND = 8,
} _Unwind_Reason_Code;

struct _Unwind_Exception {
	uint64_t exception_class;
	void (*exception_cleanup)(_Unwind_Reason_Code, struct _Unwind_Exception *);
	uintptr_t private_[2];
};
struct _Unwind_Context;


/* What LLVM's WasmEHPrepare reads and writes around a typed catch: the landing pad's
 * index, its LSDA and the selector the personality chose. */
struct _Unwind_LandingPadContext {
	uintptr_t lpad_index;
	uintptr_t lsda;
	uintptr_t selector;
};
_Thread_local struct _Unwind_LandingPadContext __wasm_lpad_context;

_Unwind_Reason_Code _Unwind_RaiseException(struct _Unwind_Exception *e)
{
	__builtin_wasm_throw(0, e);
}

void _Unwind_DeleteException(struct _Unwind_Exception *e)
{
	if (e->exception_cleanup) e->exception_cleanup(_URC_FOREIGN_EXCEPTION_CAUGHT, e);
}

/* Rust's catch pads catch everything (a null type), for which LLVM calls no
 * personality; a typed pad would reach here: take it (selector 1). */
_Unwind_Reason_Code __gxx_wasm_personality_v0(int version, int actions, uint64_t cls,
	struct _Unwind_Exception *e, struct _Unwind_Context *c)
{
	(void)version; (void)actions; (void)cls; (void)e;
	((struct _Unwind_LandingPadContext *)c)->selector = 1;
	return _URC_HANDLER_FOUND;
}

_Unwind_Reason_Code _Unwind_CallPersonality(void *exception)
{
	struct _Unwind_Exception *e = exception;
	__wasm_lpad_context.selector = 0;
	return __gxx_wasm_personality_v0(1, 1, e->exception_class, e,
		(struct _Unwind_Context *)&__wasm_lpad_context);
}

_Unwind_Reason_Code _Unwind_Backtrace(_Unwind_Reason_Code (*trace)(struct _Unwind_Context *, void *), void *arg)
{
	(void)trace; (void)arg;
	return _URC_END_OF_STACK;
}
uintptr_t _Unwind_GetIP(struct _Unwind_Context *c) { (void)c; return 0; }
uintptr_t _Unwind_GetIPInfo(struct _Unwind_Context *c, int *before) { (void)c; *before = 0; return 0; }
uintptr_t _Unwind_GetCFA(struct _Unwind_Context *c) { (void)c; return 0; }
uintptr_t _Unwind_GetLanguageSpecificData(struct _Unwind_Context *c)
{
	return ((struct _Unwind_LandingPadContext *)c)->lsda;
}
uintptr_t _Unwind_GetRegionStart(struct _Unwind_Context *c) { (void)c; return 0; }
void _Unwind_SetGR(struct _Unwind_Context *c, int i, uintptr_t v)
{
	if (i == 1) ((struct _Unwind_LandingPadContext *)c)->selector = v;
}
void _Unwind_SetIP(struct _Unwind_Context *c, uintptr_t v) { (void)c; (void)v; }
void *_Unwind_FindEnclosingFunction(void *pc) { (void)pc; return 0; }
