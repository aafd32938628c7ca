/* Static linking only: no dynamic relocations on wasm32. */
#define LDSO_ARCH "wasm32"
#define CRTJMP(pc,sp) __builtin_trap()
