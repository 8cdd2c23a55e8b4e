import Foundation
import Heatmap

/// Output folders and files, written so that a failure never leaves half a file behind.
enum Files {
    /// Checks, without creating anything, that `path` could be made a folder and written into: its
    /// nearest existing ancestor must be a writable folder (or `path` itself one). Commands call
    /// this before any work, and create the folder only when they have something to put in it.
    static func checkFolder(_ path: String) throws {
        var url = URL(fileURLWithPath: path, isDirectory: true).standardizedFileURL
        var isDirectory: ObjCBool = false
        while !FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) {
            url = url.deletingLastPathComponent()
        }
        guard isDirectory.boolValue else {
            throw CLIError("cannot create folder \(path): \(url.path) is a file, not a folder")
        }
        guard FileManager.default.isWritableFile(atPath: url.path) else {
            throw CLIError("cannot write into folder \(path): \(url.path) is not writable (permission denied)")
        }
    }

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

/// Writes a rendered picture, creating its folder, and says where.
func writePicture(_ canvas: Canvas, to path: String) throws {
    let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
    try Files.checkFolder(folder)
    _ = try Files.prepareFolder(folder)
    do { try PNG.write(canvas, to: path) } catch { throw CLIError("\(error)") }
    Console.say("wrote \(path)")
}
