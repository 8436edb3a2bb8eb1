extension Configuration {
    /// A configuration file that lists every key with its built-in value,
    /// commented out: shipped as `trainbell.conf.example` and quoted in the
    /// README. Removing the `#` in front of every key changes nothing (a
    /// test keeps it so).
    static let exampleFile = #"""
        # trainbell configuration: $XDG_CONFIG_HOME/trainbell/config
        # (usually ~/.config/trainbell/config).
        #
        # Every setting is optional and the values shown are the built-in ones:
        # remove the "#" in front of a key to change it. The syntax is GLib's
        # key file (INI): [group] lines, key=value lines, comments on lines of
        # their own starting with "#". Lists are separated by ";". In values,
        # \n is a line break, \t a tab and \s a space.
        #
        # trainbelld reads this file when it starts and when it gets SIGHUP.
        # A file with an error is reported with its line number and the last
        # good configuration stays in use; unknown groups and keys are logged
        # as warnings and ignored.

        [milestones]
        # Progress percentages that notify: whole numbers from 1 to 100. One
        # update that crosses several notifies once, for the highest. 100 (the
        # completion) is always added.
        #percentages=25;50;75;100

        [templates]
        # Title and message of each kind of notification. Placeholders:
        # {job} the job id, {title} the job's title, {step} the step reached,
        # {total} the number of steps, {percent} the percentage done,
        # {milestone} the milestone reached, {message} the trainer's message,
        # {time_left} "about 12 min left" at the recent pace ("" until known;
        # a progress message without it gets it at its end once known).
        #
        # A progress notification takes milestone-N-title if set, else
        # progress-title if set, else the built-in title of the milestone
        # (25, 50 and 75 have their own), else the built-in progress title;
        # messages likewise (no milestone has a built-in message of its own).
        # Setting progress-title therefore also replaces the titles of 25, 50
        # and 75 that have no milestone-N-title. N is 1 to 99: 100% is the
        # completion and uses the completion templates.
        #progress-title=Training {milestone}% Complete
        #progress-message={title}: step {step} of {total} ({percent}%)
        #milestone-25-title=Training 25% Complete
        #milestone-50-title=Training Halfway There!
        #milestone-75-title=Training 75% Complete
        # For example: milestone-50-message=Half way: {step} of {total} steps
        #completion-title=Training Complete! 🎉
        #completion-message={title} finished after {step} steps.
        #error-title=Training Error
        #error-message={message}
        #warning-title=Training Warning
        #warning-message={message}
        # The summary shown when Do Not Disturb ends ({message} lists what was held back).
        #digest-title=While you were away

        [sounds]
        # A sound per kind of notification: a sound-theme name (such as
        # complete, dialog-error, message-new-instant; from the desktop's sound
        # theme, else freedesktop's), the absolute path of a sound file, or
        # empty for silence.
        #progress=
        #completion=complete
        #error=dialog-error
        #warning=
        # Who plays them: auto (the notification server where it can, as GNOME
        # Shell does; trainbelld itself where it cannot, as on dunst or mako) or
        # server (the notification server only: no sound on dunst or mako).
        #play=auto

        [urgency]
        # Urgency of each error type: low, normal, high or critical. Lines here
        # add types to the built-in table below or change their urgency. An
        # error of a type not in the table gets the urgency the trainer asked
        # for, else normal. Errors are shown even during Do Not Disturb.
        #oom_error=critical
        #cuda_error=critical
        #system_crash=critical
        #loss_divergence=high
        #gradient_explosion=high
        #data_error=high
        # For example: my_custom_error=high

        [notifications]
        # The bubble shows at most this many characters (1 to 10000) and lines
        # (1 to 100) of a message; the full text stays in the history and
        # behind "View Details".
        #body-max-characters=300
        #body-max-lines=5
        # Identical errors of a job within this many seconds are shown once,
        # with a count (0 to 86400; 0 shows every one).
        #error-collapse-seconds=60
        # The application name and icon (an icon name or an absolute path;
        # empty for none) of every notification.
        #app-name=trainbell
        #icon=
        # The completion of a job that reports a loss (at least 3 values) shows
        # its curve as the bubble's picture; its body always ends with
        # "loss 2.31 → 0.42".
        #loss-chart=true

        [dnd]
        # Show one summary of what Do Not Disturb held back when it ends (a
        # job that finished meanwhile with its loss, and the loss chart when
        # only one job brought one).
        #digest=true
        # Daily quiet hours that count as Do Not Disturb, HH:MM-HH:MM (may
        # cross midnight); empty for none. For example: quiet-hours=22:00-07:00
        #quiet-hours=

        [launcher]
        # Progress on the dock or task bar icon (Unity LauncherEntry).
        # The app of jobs that name none and whose caller's app is unknown: a
        # desktop entry id such as org.gnome.Terminal, with or without
        # .desktop; empty for none.
        #default-app-id=
        # The most icon updates per second per app (1 to 60).
        #max-updates-per-second=10
        # How many seconds a finished job's full progress stays (0 to 3600).
        #completion-flash-seconds=5
        # Also show jobs in KDE Plasma's job tracker.
        #kde-jobs=true

        [actions]
        # Commands run when a button of an error notification is clicked. No
        # shell runs them: arguments are separated by spaces and may be quoted
        # with '...' or "...", and \ makes the next character plain.
        # Placeholders, replaced inside each argument: {file} the file with the
        # full error text, {job} the job id. Empty retry: no command (the click
        # is still reported on the bus). For example:
        # retry=systemctl --user restart "train@{job}.service"
        #details=xdg-open {file}
        #retry=

        [history]
        # How many notification records to keep, for how many days, and how
        # many MiB their texts may take on disk, the oldest going first
        # (0 for no limit).
        #max-records=10000
        #max-age-days=90
        #max-size-mb=256

        [progress]
        # A running job that reports neither progress nor metrics for longer than
        # the larger of stall-minimum-seconds and stall-factor times its usual
        # interval between reports gets one warning ("no progress for 14 min (a
        # step every 2.1 s before)") and an urgent dock icon; it clears when
        # the job reports again. 0 for either: no stall warnings.
        #stall-minimum-seconds=600
        #stall-factor=20

        [metrics]
        # The rules on the metrics a training reports (ReportMetrics, trainbell
        # run, the Python package). A NaN or infinite loss is always one
        # loss_divergence error per run. A loss above loss-jump-factor times the
        # median of its last loss-jump-window values is one warning per run
        # ("loss jumped from 0.41 to 3.9 at step 1,200"); factor 0: no warning.
        #loss-jump-factor=3
        #loss-jump-window=20

        [remote]
        # Remote trainings through an MQTT broker (README "Through an MQTT broker"):
        # trainbelld keeps a session there (QoS 1), so what gpu hosts publish while
        # the desktop is away waits for it and comes as one digest. mqtts:// is TLS
        # (port 8883 by default); plain mqtt:// only to the loopback unless
        # insecure=true. The path is the topic base. No password in the URL: the
        # first line of password-file, else the systemd credential
        # trainbell-mqtt-password. ca-file: the authorities for TLS (default: the
        # system's). client-id: the session's name at the broker (default
        # trainbelld-USER-HOST). keep-alive: seconds between pings while idle.
        # e.g. broker=mqtts://alice@broker.example:8883/trainbell/alice
        #broker=
        #password-file=
        #ca-file=
        #insecure=false
        #client-id=
        #keep-alive=60

        [away]
        # When you count as away from the desk (the Presence property and
        # "trainbell status"; sinks with when=away send only then): locked (the
        # screen is locked: GNOME's or KDE's screen saver, or logind's LockedHint
        # of your session), idle (locked, or no keyboard or pointer input for
        # away-after minutes: GNOME's idle monitor, KDE's session idle time),
        # always, or never.
        #when=idle
        #away-after=10

        # [sink NAME] sections, any number (none is built in): where events go
        # besides the desktop (README "When you are away"). Each event is kept
        # in an outbox in the history database until its sink took it, and
        # tried again with backoff (also after a restart); "trainbell sink"
        # shows what each sent and its last answer, "trainbell sink test NAME"
        # sends a test message. Keys of every sink, with their built-in values:
        # type (ntfy, webhook, email, mqtt or command; required),
        # events=error, completion, stall (also warning, progress, digest,
        # custom), when=away (only while you are away; or always),
        # rate-limit=10 (sends a minute, 1 to 60000), timeout=15 (seconds, 1 to
        # 300). Secrets are never values here: token-file= or password-file=
        # (an absolute path or ~/...; its first line) or credential=NAME (a
        # systemd credential, LoadCredential= in a drop-in for the unit).
        # For example:
        #
        # [sink phone]
        # type=ntfy
        # topic=alice-trainings-7f3k
        # url=https://ntfy.sh
        # token-file=~/.config/trainbell/ntfy-token
        # details-url=https://desk.example.org/trainbell/record/{record}
        #
        # [sink team]
        # type=webhook
        # preset=slack
        # url=https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXXXXXX
        # (preset=discord alike; preset=matrix with url= the homeserver,
        # room=!AbCdEfGh:example.org and the access token as the secret;
        # preset=raw, the default, with template={"text": "{title}: {message}"}
        # and {job} {host} {kind} {urgency} {error_type} {time})
        #
        # [sink mail]
        # type=email
        # url=smtps://mail.example.org
        # from=trainbell@example.org
        # to=alice@example.org, oncall@example.org
        # user=alice
        # password-file=~/.config/trainbell/smtp-password
        #
        # [sink home]
        # type=mqtt
        # topic=home/desk/trainbell
        # (published on the [remote] broker)
        #
        # [sink apprise]
        # type=command
        # command=apprise -vv
        # (run without a shell: the event as JSON on its standard input and as
        # TRAINBELL_EVENT, TRAINBELL_TITLE, TRAINBELL_MESSAGE, TRAINBELL_JOB,
        # TRAINBELL_HOST, TRAINBELL_URGENCY, TRAINBELL_ERROR_TYPE and
        # TRAINBELL_TIME; exit status 0 is delivered)

        """#
}
