/// glibc's last words before it aborts a program (`free(): invalid pointer`,
/// `double free or corruption (out)`, `*** stack smashing detected ***: terminated`),
/// found in the program's stderr: what names a crash's mechanism in a verdict.
package enum GlibcMessage {
    /// The beginnings of glibc's abort messages (malloc's checks, fortify, its fatal errors).
    static let prefixes = ["free(): ", "malloc(): ", "realloc(): ", "calloc(): ", "munmap_chunk(): ", "malloc_consolidate(): ",
                           "_int_free(): ", "_int_malloc(): ", "double free or corruption", "corrupted size vs. prev_size",
                           "corrupted double-linked list", "*** stack smashing detected ***", "*** buffer overflow detected ***",
                           "Fatal glibc error: ", "tcache_thread_shutdown(): "]

    /// The last stderr line that is one of glibc's abort messages, trimmed.
    package static func find(in lines: [String]) -> String? {
        for line in lines.reversed() {
            let trimmed = line.trimmingLeadingSpaces()
            if prefixes.contains(where: { trimmed.hasPrefix($0) }) { return String(trimmed.prefix(200)) }
        }
        return nil
    }
}

extension String {
    fileprivate func trimmingLeadingSpaces() -> Substring {
        self[(firstIndex { $0 != " " && $0 != "\t" } ?? endIndex)...]
    }
}
