//! The server's memory allocator: mimalloc, and when it returns freed memory.
//!
//! Pages allocate many small strings from many threads: glibc's allocator spent a third of the
//! server's CPU under 50 concurrent users (arena locks and consolidation); with mimalloc a page
//! costs about a fifth less (10M-item day, 50 users: 1,047-1,177 vs 787-857 requests/s). But
//! mimalloc keeps freed memory for a while (v3: one second) before returning it, and a
//! reconciliation frees gigabytes between its stages: a re-run of a 10M-record day peaked at
//! 4,167 MiB instead of 3,492 MiB. So while a run is under way memory goes back at once; the rest of
//! the time the delay stays (returning at once made pages as slow as with glibc).

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc.h (v3, the version libmimalloc-sys builds): milliseconds
/// freed memory is kept before it goes back to the OS.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// While alive, freed memory is returned to the OS at once. Runs may overlap (the scheduler and a
/// command line run are different processes; within one process runs are one at a time).
pub struct PromptRelease {
    previous: std::os::raw::c_long,
}

impl PromptRelease {
    pub fn start() -> PromptRelease {
        // SAFETY: reads and sets a process-wide option that mimalloc consults whenever it purges;
        // no memory is touched.
        let previous = unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) };
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) };
        PromptRelease { previous }
    }
}

impl Drop for PromptRelease {
    fn drop(&mut self) {
        // SAFETY: as in `start`.
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, self.previous) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_goes_back_at_once_only_during_a_run() {
        let option = || unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) };
        // mimalloc v3's default purge delay is 1000 ms (src/options.c): the constant names it.
        assert_eq!(option(), 1000, "option {MI_OPTION_PURGE_DELAY} is not the purge delay");
        {
            let _run = PromptRelease::start();
            assert_eq!(option(), 0);
        }
        assert_eq!(option(), 1000);
    }
}
