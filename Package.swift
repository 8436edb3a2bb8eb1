// swift-tools-version: 6.1
import PackageDescription

/// trainbell: training notifications for the Linux desktop.
/// Layers (DESIGN.md section 2): CDBus/CGio -> DBus -> TrainBellCore -> TrainBellDesktop -> TrainBellDaemon -> executables.
let strict: [SwiftSetting] = [
    .unsafeFlags(["-warnings-as-errors"], .when(configuration: .debug)),
]

let package = Package(
    name: "trainbell",
    products: [
        .library(name: "DBus", targets: ["DBus"]),
        .library(name: "TrainBellCore", targets: ["TrainBellCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
    ],
    targets: [
        .systemLibrary(name: "CDBus", pkgConfig: "dbus-1", providers: [.apt(["libdbus-1-dev"])]),
        .systemLibrary(name: "CGio", pkgConfig: "gio-unix-2.0", providers: [.apt(["libglib2.0-dev"])]),
        .target(name: "DBus", dependencies: ["CDBus", "CGio"], swiftSettings: strict),
        .target(name: "TrainBellCore", swiftSettings: strict),
        .testTarget(
            name: "TrainBellCoreTests",
            dependencies: ["TrainBellCore", .product(name: "PropertyBased", package: "swift-property-based")],
            swiftSettings: strict),
        .target(name: "BusTestSupport", dependencies: ["DBus"], path: "Tests/BusTestSupport", swiftSettings: strict),
        .testTarget(name: "DBusTests", dependencies: ["DBus", "BusTestSupport"], swiftSettings: strict),
    ]
)
