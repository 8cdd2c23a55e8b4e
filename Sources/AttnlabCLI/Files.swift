import Foundation

/// Output folders and files, written so that a failure never leaves half a file behind.
enum Files {
    /// Creates `path` (and its parents) if needed and checks a file can be written there; the error
    /// names the folder and the reason.
    static func prepareFolder(_ path: String) throws -> URL {
        let url = URL(fileURLWithPath: path, isDirectory: true)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw CLIError("cannot write into \(path): it is a file, not a folder")
        }
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw CLIError("cannot create folder \(path): \(reason(error))")
        }
        guard FileManager.default.isWritableFile(atPath: url.path) else {
            throw CLIError("cannot write into folder \(path): permission denied")
        }
        return url
    }

    /// Writes `data` to a temporary file beside `url`, then renames it into place.
    static func write(_ data: Data, to url: URL) throws {
        do {
            try data.write(to: url, options: .atomic)
        } catch {
            throw CLIError("cannot write \(url.path): \(reason(error))")
        }
    }

    /// The useful part of a Foundation error ("Permission denied", "No such file or directory").
    static func reason(_ error: Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? Error {
            let posix = underlying as NSError
            if posix.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(posix.code))) }
        }
        return nsError.localizedDescription
    }
}
