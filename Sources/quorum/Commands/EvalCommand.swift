import ArgumentParser
import Foundation
import QuorumCore
import QuorumStore

struct EvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Score a run against the team's answers, or compare two runs on the same items.",
        discussion: """
            The reference of an item is its resolved answer, as export resolves it (gold, else consensus); items \
            without one are not scored. --vs B compares: B − A on the primary figure with a paired bootstrap 95% \
            interval (2,000 resamples, a fixed seed) and, for right/wrong outcomes, McNemar's exact p.
            """)
    @OptionGroup var database: DatabaseOptions
    @Argument(help: "The project's name or id.") var project: String
    @Option(help: "The run to score.") var run: Int64
    @Option(help: "A second run to compare with (B).") var vs: Int64?
    @Option(help: "all|majority|K: the consensus that resolves an item's reference answer.") var consensus: ConsensusRule = .all
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        try await reportingErrors(on: database) { db in
            let project = try await db.findRequiredProject(project)
            func load(_ id: Int64) async throws -> Run {
                guard let found = try await db.run(id), found.projectID == project.id else { throw CLIError("no run \(id) in \(project.name)", code: 2) }
                return found
            }
            let a = try await load(run)
            guard let vs else {
                let evalA = try await db.evaluate([a], in: project, consensus: consensus)[0]
                print(json ? evalA.json(run: a.id).jsonText : Self.text(a, evalA))
                return
            }
            let b = try await load(vs)
            let both = try await db.evaluate([a, b], in: project, consensus: consensus)
            let comparison = Comparison(a: a.id, both[0], b: b.id, both[1])
            print(json ? comparison.json.jsonText : Self.text(comparison, a: a, b: b))
        }
    }

    static func percent(_ x: Double?) -> String { x.map { String(format: "%.1f%%", $0 * 100) } ?? "—" }
    static func figure(_ x: Double?) -> String { x.map { String(format: "%.3f", $0) } ?? "—" }

    static func text(_ run: Run, _ e: Evaluation) -> String {
        var lines = ["Run \(run.id) (\(run.model.name)), \(e.kind.rawValue): \(counted(e.items, "item")) scored, \(e.unscored) without an agreed answer."]
        switch e.kind {
        case .classify:
            lines.append("  accuracy \(percent(e.accuracy)), macro-F1 \(figure(e.macroF1)), \(e.invalid) invalid")
            for (label, f) in e.perLabel { lines.append("  \(label): P \(figure(f.precision)) R \(figure(f.recall)) F1 \(figure(f.f1)) (\(f.support))") }
        case .spans:
            let m = e.micro
            lines.append("  entities: P \(figure(m.precision)) R \(figure(m.recall)) F1 \(figure(m.f1)); \(e.invalid) invalid outputs, \(e.hallucinated) hallucinated")
            for (type, f) in e.perLabel { lines.append("  \(type): P \(figure(f.precision)) R \(figure(f.recall)) F1 \(figure(f.f1)) (\(f.support))") }
        case .fields:
            lines.append("  field accuracy \(percent(e.fieldAccuracy)); valid JSON \(e.jsonValid) of \(e.items); whole object right \(e.exactMatch)")
            for field in e.fields { lines.append("  \(field.name): \(field.right) of \(field.total) right, \(field.missing) missing, \(field.extra) extra") }
        case .text:
            lines.append("  exact \(e.exactMatch), normalized match \(e.normalizedMatch) of \(e.items); mean edit distance \(figure(e.meanDistance))")
        }
        return lines.joined(separator: "\n")
    }

    static func text(_ c: Comparison, a: Run, b: Run) -> String {
        let interval = c.ci95.map { String(format: " (95%% CI %+.1f to %+.1f points)", $0.0 * 100, $0.1 * 100) } ?? ""
        var lines = ["\(a.model.name) \(percent(c.aValue)) → \(b.model.name) \(percent(c.bValue)), "
                     + (c.difference.map { String(format: "%+.1f points", $0 * 100) } ?? "—") + interval + " on \(counted(c.items, "item")) (\(c.metric))"]
        if let p = c.mcnemarP { lines.append(String(format: "  McNemar exact p = %.4g", p)) }
        for entry in c.breakdown { lines.append("  \(entry.name): \(figure(entry.a)) → \(figure(entry.b))") }
        return lines.joined(separator: "\n")
    }
}
