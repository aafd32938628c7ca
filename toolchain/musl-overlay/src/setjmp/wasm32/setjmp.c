/* setjmp is lowered by clang at each call site (-mllvm -wasm-enable-sjlj); no
 * function body can save a wasm frame, so none is defined here. */
