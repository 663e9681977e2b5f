import Crypto
import Foundation

/// Finds `templates/` and `Public/` without relying on the working directory: `QUORUM_RESOURCES`, then the
/// folders around the executable (an installed copy or a build inside the checkout), then the checkout
/// this binary was built from.
public struct Resources: Sendable {
    public let root: URL
    public var templates: URL { root.appendingPathComponent("templates") }
    public var publicFiles: URL { root.appendingPathComponent("Public") }
    public var demo: URL { root.appendingPathComponent("demo") }

    public init(root: URL) { self.root = root }

    /// A digest of every file under `Public/` (names and contents): static addresses carry it, so browsers may keep
    /// the files for good and still never use a stale one.
    public func staticVersion() -> String {
        var hash = SHA256()
        let base = publicFiles.path
        for name in ((try? FileManager.default.subpathsOfDirectory(atPath: base)) ?? []).sorted() {
            let path = (base as NSString).appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            hash.update(data: Data(name.utf8))
            hash.update(data: data)
        }
        return hash.finalize().prefix(6).map { String(format: "%02x", $0) }.joined()
    }

    public static func locate(executable: String = CommandLine.arguments.first ?? "") throws -> Resources {
        var candidates: [URL] = []
        if let env = ProcessInfo.processInfo.environment["QUORUM_RESOURCES"], !env.isEmpty {
            candidates.append(URL(fileURLWithPath: env))
        }
        let exe = URL(fileURLWithPath: executable).resolvingSymlinksInPath()
        var dir = exe.deletingLastPathComponent()
        for _ in 0..<6 {
            candidates.append(dir)
            candidates.append(dir.appendingPathComponent("share/quorum"))
            dir.deleteLastPathComponent()
        }
        // The checkout this file was compiled in: Sources/QuorumServer/Resources.swift → root.
        candidates.append(URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent())
        for candidate in candidates {
            let resources = Resources(root: candidate.standardizedFileURL)
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: resources.templates.appendingPathComponent("home.mustache").path),
               FileManager.default.fileExists(atPath: resources.publicFiles.path, isDirectory: &isDir), isDir.boolValue {
                return resources
            }
        }
        throw ResourcesError()
    }
}

struct ResourcesError: Error, CustomStringConvertible {
    var description: String {
        "cannot find Quorum's templates/ and Public/ folders; set QUORUM_RESOURCES to the folder that holds them"
    }
}
