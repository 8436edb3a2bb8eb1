import TrainBellCore

/// The jobs' metric series (`ReportMetrics`), a row per job and metric, written by the
/// ``MetricsKeeper`` on its timer, at a job's end and at shutdown, never per report.
extension HistoryStore {
    /// Saves `series` of job `id` (replacing what was stored under their names), in one transaction.
    func saveMetrics(_ series: [(name: String, series: MetricSeries)], ofJob id: JobID) throws(HistoryError) {
        try transaction("cannot save the metrics of job \"\(id)\" in") {
            let statement = try database.statement("INSERT OR REPLACE INTO metric_series (job_id, name, series) VALUES (?1, ?2, ?3)")
            for (name, series) in series {
                try statement.execute([.text(id.rawValue), .text(name), .blob(series.encoded)])
            }
        }
    }

    /// The series stored for job `id`, by name; a row that does not decode is left out and named in
    /// `unreadable`.
    func metrics(ofJob id: JobID) throws(HistoryError) -> (series: [String: MetricSeries], unreadable: [String]) {
        try access("cannot read the metrics of job \"\(id)\" from") {
            let statement = try database.statement("SELECT name, series FROM metric_series WHERE job_id = ?1 ORDER BY name")
            try statement.bind([.text(id.rawValue)])
            var series: [String: MetricSeries] = [:]
            var unreadable: [String] = []
            while try statement.step() {
                let name = statement.text(at: 0)
                if let decoded = MetricSeries(encoded: statement.blob(at: 1)) { series[name] = decoded } else { unreadable.append(name) }
            }
            return (series, unreadable)
        }
    }

    /// Forgets the metrics of job `id` (a new run starts them over).
    func deleteMetrics(ofJob id: JobID) throws(HistoryError) {
        try access("cannot delete the metrics of job \"\(id)\" from") {
            try database.statement("DELETE FROM metric_series WHERE job_id = ?1").execute([.text(id.rawValue)])
        }
    }
}
