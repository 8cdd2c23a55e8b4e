import Foundation

/// Writes a folder of files all or nothing. The files go into a scratch folder beside the
/// destination (`.NAME.partial-…`, on the same file system, so a rename moves it), which then takes
/// the destination's name. A folder already there is first renamed aside (`.NAME.old-…`) and
/// removed afterwards; for the instant between the two renames no folder has the name, but at no
/// time does the name hold a mixture of old and new files. A process stopped part-way leaves at
/// most a dot-named scratch folder or old copy beside the destination.
enum FolderWriter {
    /// Replaces `folder` with one holding exactly `files` (name → contents). An existing folder is
    /// only replaced when it is empty or holds nothing but files of these names (an earlier save),
    /// so a typo cannot wipe a folder of something else. `scratch` hears of the scratch folder when it is
    /// made (true) and when it is gone (false), for a caller that removes it on Ctrl-C.
    static func replace(_ folder: URL, with files: [(name: String, data: Data)],
                        scratch: ((URL, Bool) -> Void)? = nil) throws {
        let manager = FileManager.default
        let parent = folder.deletingLastPathComponent()
        let name = folder.lastPathComponent
        try checkReplaceable(folder, names: Set(files.map(\.name)))
        do { try manager.createDirectory(at: parent, withIntermediateDirectories: true) } catch {
            throw CheckpointError(path: parent.path, problem: "cannot be created (\(error.localizedDescription))")
        }
        let temporary = parent.appendingPathComponent(".\(name).partial-\(uniqueSuffix())")
        do { try manager.createDirectory(at: temporary, withIntermediateDirectories: false) } catch {
            throw CheckpointError(path: parent.path, problem: "cannot hold a new folder (\(error.localizedDescription))")
        }
        scratch?(temporary, true)
        defer {
            try? manager.removeItem(at: temporary)   // gone already when all went well
            scratch?(temporary, false)
        }
        for (file, data) in files {
            do { try data.write(to: temporary.appendingPathComponent(file)) } catch {
                throw CheckpointError(path: folder.appendingPathComponent(file).path,
                                      problem: "cannot be written (\(error.localizedDescription))")
            }
        }
        try swapIn(temporary, as: folder)
    }

    /// Refuses a destination that is a file, or a folder holding anything but what a save of
    /// `names` (and of the checkpoint's own files) would write.
    static func checkReplaceable(_ folder: URL, names: Set<String>) throws {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder) else { return }
        guard isFolder.boolValue else { throw CheckpointError(path: folder.path, problem: "is a file, not a checkpoint folder") }
        let contents = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        let known = names.union([Checkpoint.configFile, Checkpoint.weightsFile, Checkpoint.tokenizerFile])
        if let other = contents.sorted().first(where: { !known.contains($0) }) {
            throw CheckpointError(path: folder.path, problem: "holds '\(other)', which attnlab did not write; "
                                  + "it replaces only a folder it saved before, or an empty one")
        }
    }

    /// Renames the finished `temporary` folder to `folder`, moving an existing one aside first
    /// (rename cannot replace a folder that has files in it).
    private static func swapIn(_ temporary: URL, as folder: URL) throws {
        let old = folder.deletingLastPathComponent().appendingPathComponent(".\(folder.lastPathComponent).old-\(uniqueSuffix())")
        let existed = FileManager.default.fileExists(atPath: folder.path)
        if existed { try move(folder, old) }
        do { try move(temporary, folder) } catch {
            if existed { try? move(old, folder) }   // put the old checkpoint back
            throw error
        }
        if existed { try? FileManager.default.removeItem(at: old) }
    }

    /// rename(2): atomic within one file system.
    private static func move(_ from: URL, _ to: URL) throws {
        guard rename(from.path, to.path) == 0 else {
            let reason = String(cString: strerror(errno))
            throw CheckpointError(path: to.path, problem: "cannot be put in place (\(reason))")
        }
    }

    /// The process id and a random number: unique among concurrent writers.
    private static func uniqueSuffix() -> String {
        "\(ProcessInfo.processInfo.processIdentifier)-\(String(UInt32.random(in: 0...UInt32.max), radix: 16))"
    }
}
