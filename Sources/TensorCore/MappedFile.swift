import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file mapped read-only into memory: its bytes are read from the page cache as they are
/// touched, with no copy into the process first.
///
/// The file is closed as soon as it is mapped (the mapping keeps what it needs), and the mapping is
/// removed when this object goes away, so a reader that fails half-way leaves nothing open.
/// `release(upTo:)` gives back the pages a reader has finished with, so converting a file tensor by
/// tensor never holds the whole file in memory beside the converted copy.
final class MappedFile {
    /// The file's bytes; empty for an empty file.
    let bytes: UnsafeRawBufferPointer
    private let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
    /// Everything below this offset has been released.
    private var releasedUpTo = 0

    /// Why a file could not be mapped, in the words of the system ("No such file or directory").
    struct OpenError: Error, CustomStringConvertible {
        let description: String
    }

    init(_ url: URL) throws {
        // O_NONBLOCK: opening a FIFO would otherwise wait for a writer for ever; it is refused
        // below as not a regular file (the flag changes nothing for one).
        let descriptor = open(url.path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else { throw OpenError(description: "cannot be opened (\(Self.systemError()))") }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw OpenError(description: "cannot be read (\(Self.systemError()))") }
        guard (status.st_mode & S_IFMT) == S_IFREG else { throw OpenError(description: "is not a regular file") }
        let size = Int(status.st_size)
        guard size > 0 else {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        // MAP_FAILED is (void *)-1, a macro Swift does not import on every platform.
        guard let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0),
              address != UnsafeMutableRawPointer(bitPattern: -1) else {
            throw OpenError(description: "cannot be mapped into memory (\(Self.systemError()))")
        }
        // Read ahead of the reader, which walks the file once from start to end.
        _ = madvise(address, size, MADV_SEQUENTIAL)
        _ = madvise(address, size, MADV_WILLNEED)
        bytes = UnsafeRawBufferPointer(start: address, count: size)
    }

    deinit {
        if let address = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: address), bytes.count) }
    }

    /// Drops the whole pages below `offset` from this process's memory. They stay in the system's
    /// page cache, and reading them again would fetch them again; a reader calls this only for
    /// bytes it is done with.
    func release(upTo offset: Int) {
        guard let base = bytes.baseAddress else { return }
        let end = min(offset, bytes.count) / pageSize * pageSize
        guard end > releasedUpTo else { return }
        _ = madvise(UnsafeMutableRawPointer(mutating: base + releasedUpTo), end - releasedUpTo, MADV_DONTNEED)
        releasedUpTo = end
    }

    private static func systemError() -> String { String(cString: strerror(errno)) }
}
