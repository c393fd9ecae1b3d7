fn main() {
    // glibc gives every thread that allocates an arena of its own; kubevali's
    // few threads allocate little, so those arenas would only add resident
    // memory (about a quarter MiB measured by `make bench`). musl, which the
    // shipped static binary uses, has no arenas.
    #[cfg(target_env = "gnu")]
    // SAFETY: a plain setting, made before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
    std::process::exit(kubevali::app::main());
}
