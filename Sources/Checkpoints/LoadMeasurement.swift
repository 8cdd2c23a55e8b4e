import Foundation
import TensorCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How long reading a model folder's weights took and how much memory it used: what `bench` can
/// print to show that loading costs one Float32 copy of the weights and little time.
public struct LoadMeasurement: Sendable, CustomStringConvertible {
    /// Wall-clock time of `ModelFolder.readTensors`, from the first file opened to the last tensor made.
    public let seconds: Double
    /// The weight files' total size on disk.
    public let fileBytes: Int
    /// The loaded tensors' Float32 storage.
    public let tensorBytes: Int
    public let tensorCount: Int
    /// This process's resident memory just before the load.
    public let residentBytesBefore: Int
    /// This process's peak resident memory so far (getrusage's maxrss), read just after the load.
    /// It covers the whole life of the process, so measure in a process that has done little else.
    public let peakResidentBytes: Int

    /// What the load itself held at its peak: at least the Float32 copy of the weights.
    public var peakGrowthBytes: Int { max(0, peakResidentBytes - residentBytesBefore) }

    public var description: String {
        let mb = { (bytes: Int) in String(format: "%.1f MB", Double(bytes) / 1e6) }
        return String(format: "%d tensors in %.3f s: files %@, Float32 %@, peak memory grew by %@ (%.2f× the Float32 size)",
                      tensorCount, seconds, mb(fileBytes), mb(tensorBytes), mb(peakGrowthBytes),
                      tensorBytes > 0 ? Double(peakGrowthBytes) / Double(tensorBytes) : 0)
    }
}

extension ModelFolder {
    /// Reads every tensor of `folder` (a model folder or a cache folder) and reports time and memory.
    /// The tensors are dropped before it returns.
    public static func measureLoad(_ folder: URL) throws -> LoadMeasurement {
        let files = try plan(try resolve(folder))
        let fileBytes = files.urls.reduce(0) { total, url in
            // The size of what a link (a cache snapshot's file) points at, not of the link.
            let attributes = try? FileManager.default.attributesOfItem(atPath: url.resolvingSymlinksInPath().path)
            return total + (attributes?[.size] as? Int ?? 0)
        }
        let before = residentBytes()
        let start = DispatchTime.now().uptimeNanoseconds
        let tensors = try readTensors(files)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let peak = peakResidentBytes()
        let scalars = tensors.values.reduce(0) { $0 + $1.count }
        return LoadMeasurement(seconds: seconds, fileBytes: fileBytes, tensorBytes: scalars * MemoryLayout<Float>.size,
                               tensorCount: tensors.count, residentBytesBefore: before, peakResidentBytes: peak)
    }

    /// The process's peak resident set size in bytes (Linux reports kilobytes, macOS bytes).
    static func peakResidentBytes() -> Int {
        var usage = rusage()
        #if os(Linux)
        guard getrusage(RUSAGE_SELF.rawValue, &usage) == 0 else { return 0 }
        return Int(usage.ru_maxrss) * 1024
        #else
        guard getrusage(RUSAGE_SELF, &usage) == 0 else { return 0 }
        return Int(usage.ru_maxrss)
        #endif
    }

    /// The process's resident set size now: /proc/self/statm's second field on Linux; elsewhere the
    /// peak stands in for it, which makes `peakGrowthBytes` an underestimate.
    static func residentBytes() -> Int {
        #if os(Linux)
        if let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) {
            let fields = text.split(separator: " ")
            if fields.count > 1, let pages = Int(fields[1]) { return pages * Int(sysconf(Int32(_SC_PAGESIZE))) }
        }
        #endif
        return peakResidentBytes()
    }
}
