#!/usr/bin/env python3
"""Where a Ruby benchmark's time goes: reads `perf script` output (call chains, leaf
first) of native Ruby or of ruby.wasm under wali-run (WALI_PROFILE=perfmap names the wasm
functions) and prints the share of samples in each class, as one JSON object.

Classes, first match wins, each sample counted once:
  runtime  the leaf is not guest code: wali-run/wasmtime (host calls, exception unwinding,
           thread start), the host's libc or the kernel (for native Ruby: the kernel)
  malloc   the leaf or one of its 4 nearest callers is the C allocator (musl's mallocng in
           the wasm, glibc's malloc natively)
  gc       a caller is the collector's marking or sweeping (lazy sweeps inside allocation
           included), or the leaf is one of its helpers
  interp   the leaf is the interpreter proper: vm_exec_core and the vm_*/rb_vm_* helpers
  other    everything else: Ruby's library (String, Hash, Array...), libc's string code
The wasm's shadow-stack spills are inline in every function, so no symbol shows them:
bench/ruby_profile.sh measures them as the time a build without them saves.
usage: perf script -i DATA | ruby_profile.py wasm|native
"""
import json
import sys

MALLOC = {
    "malloc", "free", "realloc", "calloc", "aligned_alloc", "posix_memalign", "memalign",
    "malloc_usable_size", "__libc_malloc_impl", "__libc_free", "__libc_realloc",
    "__libc_calloc", "__libc_malloc", "alloc_slot", "alloc_group", "try_avail",
    "alloc_meta", "get_meta", "enframe", "nontrivial_free", "__malloc_alloc_meta",
    "__malloc_donate", "_int_malloc", "_int_free", "_int_realloc", "malloc_consolidate",
    "cfree", "tcache_init", "sysmalloc", "unlink_chunk", "__default_morecore",
}
GC_ROOTS = {
    "gc_marks", "gc_marks_rest", "gc_marks_continue", "gc_marks_start", "gc_sweep",
    "gc_sweep_step", "gc_sweep_rest", "gc_sweep_continue", "gc_start", "garbage_collect",
    "gc_continue", "gc_rest", "gc_mark_roots", "gc_mark_stacked_objects_all",
    "gc_mark_stacked_objects_incremental", "gc_sweep_page", "gc_page_sweep",
    "rb_objspace_call_finalizer", "gc_marks_finish", "gc_enter", "gc_finalize_deferred",
}
GC_PREFIX = ("gc_", "rgengc_", "rb_gc_mark", "gc_mark", "mark_", "obj_free")
INTERP_PREFIX = ("vm_", "rb_vm_", "vm_call", "invoke_", "rb_iseq_")


def name(frame):
    """The function name of a `perf script` frame line: `addr sym+off (dso)`."""
    parts = frame.strip().split(" ", 1)
    if len(parts) < 2:
        return "", ""
    rest = parts[1]
    dso = rest[rest.rfind("(") + 1:-1] if rest.endswith(")") else ""
    sym = rest[: rest.rfind(" (")] if " (" in rest else rest
    sym = sym.split("+0x")[0]
    return sym, dso


def classify(frames, kind):
    syms = [name(f) for f in frames]
    if not syms:
        return "runtime"
    leaf, leaf_dso = syms[0]
    if kind == "wasm":
        guest = [s[len("wasm[0]::function["):].split("]::", 1)[-1]
                 for s, _ in syms if s.startswith("wasm[")]
        if not leaf.startswith("wasm["):
            return "runtime"
    else:
        if "kernel" in leaf_dso or leaf.startswith("[unknown]") and not leaf_dso:
            return "runtime"
        guest = [s for s, _ in syms]
    if any(g in MALLOC for g in guest[:5]):
        return "malloc"
    if any(g in GC_ROOTS for g in guest) or guest[0].startswith(GC_PREFIX):
        return "gc"
    if guest[0] == "vm_exec_core" or guest[0].startswith(INTERP_PREFIX):
        return "interp"
    return "other"


def main():
    kind = sys.argv[1]
    counts = {"runtime": 0, "malloc": 0, "gc": 0, "interp": 0, "other": 0}
    leaves = {}
    frames = []
    for line in list(sys.stdin) + [""]:
        if line.startswith("\t") or line.startswith(" "):
            frames.append(line)
            continue
        if frames:
            c = classify(frames, kind)
            counts[c] += 1
            leaf = name(frames[0])[0]
            leaves[leaf] = leaves.get(leaf, 0) + 1
        frames = []
    total = sum(counts.values()) or 1
    top = sorted(leaves.items(), key=lambda kv: -kv[1])[:8]
    print(json.dumps({
        "samples": total,
        "share": {k: round(100.0 * v / total, 1) for k, v in counts.items()},
        "top": [[k, round(100.0 * v / total, 1)] for k, v in top],
    }))


if __name__ == "__main__":
    main()
