import ArgumentParser

@main
struct Quorum: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quorum",
        abstract: "A workbench that turns raw conversations and texts into fine-tuning data a team can trust.",
        subcommands: [Serve.self, ProjectCommand.self, ImportCommand.self, ExportCommand.self, ValidateCommand.self, TokensCommand.self, AgreementCommand.self, UserCommand.self,
                      ModelCommand.self, HoldoutCommand.self, RunCommand.self, EvalCommand.self, SuggestCommand.self, TokenCommand.self, WatchCommand.self, CompareCommand.self, RateCommand.self, MigrateCommand.self]
    )
}
