import TrainBellCore

extension Configuration {
    /// How notifications look on the wire, from `[notifications]`.
    var requestBuilder: NotificationRequestBuilder {
        NotificationRequestBuilder(appName: appName, defaultIcon: iconName ?? "",
                                   bodyMaxCharacters: bodyMaxCharacters, bodyMaxLines: bodyMaxLines)
    }
}
