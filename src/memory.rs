//! How the process keeps memory: one setting of glibc's allocator, made at start.
//!
//! glibc serves a block above its mmap threshold with a mapping of its own and gives it back
//! on free, but by default it raises that threshold each time such a block is freed (up to
//! 32 MiB). After the first login, argon2's 19 MiB block (one per hash in flight) then comes
//! from the per-thread arenas and stays there: the throughput bench saw the RSS go from
//! 72–80 MB to 430–550 MB after a login storm. A fixed threshold of 4 MiB keeps it where it
//! was (37 MB after the storm) and still serves brotli's and the pages' sub-MiB tables from
//! the arenas, reused, instead of mapping and zeroing fresh pages for every page (a 1 MiB
//! threshold, the Dockerfile's earlier setting, did that to brotli's tables).
//!
//! A fixed mmap threshold also fixes glibc's trim threshold at 128 KiB, so the arenas gave
//! memory back and faulted it in again on nearly every page; a trim threshold of 16 MiB keeps
//! it (the bench: 30–40 % more pages a second for 3 MB more RSS).
//!
//! `MALLOC_MMAP_THRESHOLD_` or `MALLOC_TRIM_THRESHOLD_` in the environment, when set, wins
//! (glibc reads them itself).

/// Bytes above which a block gets its own mapping, returned to the system when freed.
pub const MMAP_THRESHOLD: i32 = 4 * 1024 * 1024;
/// Free bytes at the top of an arena kept before they are given back.
pub const TRIM_THRESHOLD: i32 = 16 * 1024 * 1024;

/// Sets both thresholds, each unless the environment does; call before any thread starts.
pub fn configure() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    for (name, param, value) in [
        (
            "MALLOC_MMAP_THRESHOLD_",
            libc::M_MMAP_THRESHOLD,
            MMAP_THRESHOLD,
        ),
        (
            "MALLOC_TRIM_THRESHOLD_",
            libc::M_TRIM_THRESHOLD,
            TRIM_THRESHOLD,
        ),
    ] {
        if std::env::var_os(name).is_none() {
            // SAFETY: mallopt only changes allocator parameters; called at start, before
            // any other thread.
            unsafe {
                libc::mallopt(param, value);
            }
        }
    }
}
