import Foundation

/// The CPU's feature flags, read here in the executable rather than in TensorCore, which only
/// decides what to do with them (`BLASCore.betterCoreType(cpuFlags:)`).
enum CPUFlags {
    /// The flags of the first processor in /proc/cpuinfo; empty where there is no such file.
    static func current() -> Set<String> {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return [] }
        return parse(cpuinfo: info)
    }

    /// The words after the colon of the first line that starts with "flags" (all processors list
    /// the same flags, so the first is enough).
    static func parse(cpuinfo: String) -> Set<String> {
        guard let line = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
              let colon = line.firstIndex(of: ":") else { return [] }
        return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
    }
}
