import ArgumentParser

/// `--lease`: how long `quorum run` and `quorum suggest` hold their run without word from them.
struct RunHoldOptions: ParsableArguments {
    @Option(help: "Seconds this command holds the run without word from it (it renews the hold every third of that): past it, a server may take the run over and a resume elsewhere go on with it.")
    var lease = 30

    func validate() throws {
        guard lease >= 3, lease <= 86_400 else { throw ValidationError("--lease takes 3 to 86400 seconds") }
    }

    var duration: Duration { .seconds(lease) }
}
