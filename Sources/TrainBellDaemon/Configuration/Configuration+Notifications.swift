import TrainBellCore

extension Configuration {
    /// How notifications look on the wire, from `[notifications]`.
    var requestBuilder: NotificationRequestBuilder {
        NotificationRequestBuilder(appName: appName, defaultIcon: iconName ?? "",
                                   bodyMaxCharacters: bodyMaxCharacters, bodyMaxLines: bodyMaxLines)
    }
}

extension Configuration {
    /// What the launcher presenter takes from `[launcher]`.
    var launcherSettings: LauncherPresenter.Settings {
        LauncherPresenter.Settings(updatesPerSecond: launcherUpdatesPerSecond, flashDuration: completionFlashDuration,
                                   usesPlasmaJobs: usesKDEJobTracker)
    }
}
