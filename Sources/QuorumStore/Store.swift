/// Everything `quorum serve` asks of its database, by area, each area given by SQLite (`AppDatabase`) and, as it
/// is ported, PostgreSQL. The methods are async so that a store on the network (PostgreSQL) never blocks the
/// server's threads; SQLite's synchronous methods satisfy them as they are, so it keeps its speed.
public typealias Store = PeopleStore & ProjectStore & AnnotationStore & ReviewStore & ModelStore & JudgingStore & ExportStore & ExportsUnderWay
