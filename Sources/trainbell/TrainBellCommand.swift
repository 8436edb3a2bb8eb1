import ArgumentParser

/// `trainbell`: report training events to trainbelld, send notifications, watch a training run.
struct TrainBellCommand: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "trainbell",
        abstract: "Desktop notifications for machine-learning training.",
        discussion: """
            trainbell reports training events to trainbelld (the session daemon), which shows desktop \
            notifications at milestones, on errors and on completion, respects Do Not Disturb and keeps a history.

            Examples:
              trainbell run -- python train.py      watch a run, no code change
              trainbell start run-42 --total 1000   then: trainbell progress run-42 250
              trainbell error run-42 "CUDA out of memory" --type oom_error
              trainbell send "Backup done" "42 files"   like notify-send
              trainbell status                      jobs, DND, notification server
              trainbell sink test phone             try [sink phone]: ntfy, chat, mail
              trainbell --broker mqtts://broker.example/tb run -- python train.py
                                                    through an MQTT broker

            start, progress, metrics, error, warn, complete, cancel and run take --broker URL (also before \
            the command's name) or TRAINBELL_BROKER: their events are then published to that MQTT broker, \
            for a trainbelld that follows it, instead of going to trainbelld over D-Bus.

            Exit status: 0 success; 1 the daemon refused the request; 64 bad arguments; 69 trainbelld \
            (or the broker) cannot be reached or refused the connection.
            """,
        version: "trainbell \(version)",
        subcommands: [
            StartCommand.self, ProgressCommand.self, MetricsCommand.self, ErrorCommand.self, WarnCommand.self, CompleteCommand.self,
            CancelCommand.self, SendCommand.self, StatusCommand.self, HistoryCommand.self, WatchCommand.self,
            DndCommand.self, SinkCommand.self, RunCommand.self, SshCommand.self,
        ])
}
