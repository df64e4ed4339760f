//! Memory given back once the engine is idle. After a burst of syncs (pages parsed, batches
//! built, rollups computed) the allocator keeps the freed pages for reuse and the writer's
//! SQLite cache stays full: tens of megabytes an app sitting in the tray holds for nothing.
//! `Engine::release_memory` hands both back when the last running job has ended.

/// Returns the heap's free pages to the system (glibc keeps them in its arenas otherwise).
pub(crate) fn trim() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim takes no pointers; it only walks glibc's own free lists.
    unsafe {
        malloc_trim(0);
    }
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
extern "C" {
    fn malloc_trim(pad: usize) -> std::ffi::c_int;
}
