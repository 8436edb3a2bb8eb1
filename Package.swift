// swift-tools-version: 6.1
import PackageDescription

/// trainbell: training notifications for the Linux desktop.
/// Layers (DESIGN.md section 2): CDBus/CGio/CSQLite/CCanberra/CMosquitto (the last two loaded lazily: CLazyLibraries) -> DBus (libdbus only) -> DBusGLib (the GLib main loop), TrainBellAPI,
/// TrainBellCore -> TrainBellDesktop -> TrainBellDaemon -> executables. The `trainbell` command links no GLib (issue 17
/// item 3): it runs `DBus.PollLoop`, and depends on neither DBusGLib nor CGio.
let strict: [SwiftSetting] = [
    .unsafeFlags(["-warnings-as-errors"], .when(configuration: .debug)),
]

let package = Package(
    name: "trainbell",
    products: [
        .library(name: "DBus", targets: ["DBus"]),
        .library(name: "TrainBellCore", targets: ["TrainBellCore"]),
        .executable(name: "trainbelld", targets: ["trainbelld"]),
        .executable(name: "trainbell", targets: ["trainbell"]),
    ],
    dependencies: [
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
    ],
    targets: [
        .systemLibrary(name: "CDBus", pkgConfig: "dbus-1", providers: [.apt(["libdbus-1-dev"])]),
        .systemLibrary(name: "CGio", pkgConfig: "gio-unix-2.0", providers: [.apt(["libglib2.0-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        // Event sounds where the notification server plays none; at run time its PulseAudio backend
        // (libcanberra-pulse, which PipeWire's pulse server also serves) and the sound theme.
        // libmosquitto, for trainbelld's link to an MQTT broker ([remote] broker). Their headers only
        // (no pkgConfig: it would link them): CLazyLibraries loads both at their first use.
        .systemLibrary(name: "CCanberra", providers: [.apt(["libcanberra-dev", "libcanberra-pulse", "sound-theme-freedesktop"])]),
        .systemLibrary(name: "CMosquitto", providers: [.apt(["libmosquitto-dev"])]),
        .target(name: "CLazyLibraries"),
        .target(name: "DBus", dependencies: ["CDBus"], swiftSettings: strict),
        .target(name: "DBusGLib", dependencies: ["DBus", "CGio"], swiftSettings: strict),
        .target(name: "TrainBellCore", swiftSettings: strict),
        .target(name: "TrainBellAPI", dependencies: ["DBus"], swiftSettings: strict),
        .target(
            name: "TrainBellDesktop",
            dependencies: ["DBus", "CGio", "TrainBellCore", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),
        .target(
            name: "TrainBellDaemon",
            dependencies: [
                "DBus", "DBusGLib", "CGio", "CSQLite", "CCanberra", "CMosquitto", "CLazyLibraries", "TrainBellAPI", "TrainBellCore", "TrainBellDesktop",
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["README.md"],
            swiftSettings: strict),
        .executableTarget(
            name: "trainbell",
            dependencies: [
                "DBus", "TrainBellAPI", "TrainBellCore", "CMosquitto", "CLazyLibraries",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "trainbelld",
            dependencies: ["TrainBellDaemon", .product(name: "Logging", package: "swift-log")],
            exclude: ["trainbelld.1", "trainbell.5", "trainbell.conf.example", "trainbell.desktop"],
            swiftSettings: strict),
        .testTarget(
            name: "TrainBellCoreTests",
            dependencies: ["TrainBellCore", .product(name: "PropertyBased", package: "swift-property-based")],
            swiftSettings: strict),
        // The desktop harness (private buses, real notification servers, the daemon as a process): used by
        // the tests, the demo and the benchmark.
        .target(name: "BusTestSupport", dependencies: ["DBus", "DBusGLib", "TrainBellAPI"], swiftSettings: strict),
        .executableTarget(name: "trainbell-demo", dependencies: ["DBus", "DBusGLib", "TrainBellAPI", "BusTestSupport"], swiftSettings: strict),
        .executableTarget(name: "trainbell-bench", dependencies: ["DBus", "DBusGLib", "TrainBellAPI", "TrainBellCore", "BusTestSupport"], swiftSettings: strict),
        .testTarget(
            name: "DBusTests",
            dependencies: ["DBus", "DBusGLib", "BusTestSupport", .product(name: "PropertyBased", package: "swift-property-based")],
            swiftSettings: strict),
        .testTarget(
            name: "TrainBellDesktopTests",
            dependencies: ["TrainBellDesktop", "DBus", "DBusGLib", "BusTestSupport", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),
        .testTarget(
            name: "TrainBellDaemonTests",
            dependencies: ["TrainBellDaemon", "TrainBellCore", .product(name: "PropertyBased", package: "swift-property-based")],
            swiftSettings: strict),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["DBus", "DBusGLib", "TrainBellAPI", "TrainBellCore", "BusTestSupport", .product(name: "PropertyBased", package: "swift-property-based")],
            swiftSettings: strict),
    ]
)
