import Foundation

/// A rectangle on the screen, in pixels.
public struct ScreenRect: Sendable, Equatable, CustomStringConvertible {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    public var maxX: Int { x + width }
    public var maxY: Int { y + height }
    public var midX: Int { x + width / 2 }
    public var midY: Int { y + height / 2 }

    /// `X11`'s way of writing it: `WxH+X+Y`.
    public var description: String { "\(width)×\(height)+\(x)+\(y)" }
}

/// One pixel's colour.
public struct RGB: Sendable, Equatable, CustomStringConvertible {
    public var red: UInt8
    public var green: UInt8
    public var blue: UInt8

    public init(_ red: UInt8, _ green: UInt8, _ blue: UInt8) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    /// `#rrggbb`.
    public init?(hex: String) {
        let digits = hex.hasPrefix("#") ? hex.dropFirst() : Substring(hex)
        guard digits.count == 6, let value = UInt32(digits, radix: 16) else { return nil }
        self.init(UInt8(value >> 16), UInt8((value >> 8) & 0xff), UInt8(value & 0xff))
    }

    /// Perceived brightness, 0…255 (Rec. 601).
    public var luma: Int { (299 * Int(red) + 587 * Int(green) + 114 * Int(blue)) / 1000 }

    /// No colour cast: the channels within `tolerance` of each other (GNOME's and Plank's greys).
    public func isGrey(tolerance: Int = 12) -> Bool {
        let channels = [Int(red), Int(green), Int(blue)]
        return (channels.max() ?? 0) - (channels.min() ?? 0) <= tolerance
    }

    public var description: String { String(format: "#%02x%02x%02x", red, green, blue) }
}

/// What was on a screen: the pixels of an image file (PNG from GNOME Shell's screenshot service, or from
/// ImageMagick's `import` on an X display), read through ImageMagick's `convert` as binary PPM.
/// The file itself is kept (in a scratch directory) so that a failing test can keep a copy for a person to
/// look at (`keep`).
public final class Screenshot: @unchecked Sendable {
    // @unchecked Sendable: immutable after init.
    public let width: Int
    public let height: Int
    /// RGB, row by row.
    private let pixels: [UInt8]
    /// The image as taken.
    public let path: String
    private let scratch: TemporaryDirectory

    /// Reads the image at `path` (a copy is taken: the original may be overwritten).
    public init(contentsOf path: String) throws {
        let convert = try requireTool("convert", package: "imagemagick")
        scratch = try TemporaryDirectory("trainbell-screenshot")
        let copy = scratch.path + "/" + ((path as NSString).lastPathComponent)
        try FileManager.default.copyItem(atPath: path, toPath: copy)
        self.path = copy
        let ppm = scratch.path + "/pixels.ppm"
        let result = try runCommand(convert, [copy, "-alpha", "off", "-depth", "8", "ppm:" + ppm])
        guard result.status == 0, let data = FileManager.default.contents(atPath: ppm) else {
            throw HarnessError("convert could not read \(path): \(result.stderr)")
        }
        (width, height, pixels) = try Self.decodePPM(Array(data), source: path)
    }

    /// Takes a picture of the X screen `display` with ImageMagick's `import -window root`: all of it, or
    /// the part inside `area`.
    public static func ofX11Root(display: String, area: ScreenRect? = nil) throws -> Screenshot {
        let importTool = try requireTool("import", package: "imagemagick")
        let scratch = try TemporaryDirectory("trainbell-import")
        let file = scratch.path + "/root.png"
        let crop = area.map { ["-crop", "\($0.width)x\($0.height)+\($0.x)+\($0.y)", "+repage"] } ?? []
        let result = try runCommand(importTool, ["-display", display, "-window", "root"] + crop + [file])
        guard result.status == 0 else {
            throw HarnessError("import -window root on \(display) exited \(result.status): \(result.stderr)")
        }
        return try Screenshot(contentsOf: file)
    }

    /// Binary PPM (`P6`): header "P6 width height maxval", one whitespace, then the samples.
    static func decodePPM(_ bytes: [UInt8], source: String) throws -> (Int, Int, [UInt8]) {
        var fields: [Int] = []
        var index = 2
        guard bytes.count > 2, bytes[0] == UInt8(ascii: "P"), bytes[1] == UInt8(ascii: "6") else {
            throw HarnessError("\(source): not a binary PPM")
        }
        while fields.count < 3 && index < bytes.count {
            while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0a || bytes[index] == 0x0d || bytes[index] == 0x09 {
                index += 1
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "#") {
                while index < bytes.count, bytes[index] != 0x0a { index += 1 }
                continue
            }
            var value = 0
            while index < bytes.count, (0x30...0x39).contains(bytes[index]) {
                value = value * 10 + Int(bytes[index] - 0x30)
                index += 1
            }
            fields.append(value)
        }
        index += 1
        guard fields.count == 3, fields[2] == 255, bytes.count - index >= fields[0] * fields[1] * 3 else {
            throw HarnessError("\(source): unexpected PPM header \(fields)")
        }
        return (fields[0], fields[1], Array(bytes[index..<(index + fields[0] * fields[1] * 3)]))
    }

    public subscript(x: Int, y: Int) -> RGB {
        let i = (y * width + x) * 3
        return RGB(pixels[i], pixels[i + 1], pixels[i + 2])
    }

    /// The whole image.
    public var bounds: ScreenRect { ScreenRect(x: 0, y: 0, width: width, height: height) }

    /// `rect` cut to the image.
    func clipped(_ rect: ScreenRect) -> ScreenRect {
        let x = max(0, rect.x), y = max(0, rect.y)
        let maxX = min(width, rect.maxX), maxY = min(height, rect.maxY)
        return ScreenRect(x: x, y: y, width: max(0, maxX - x), height: max(0, maxY - y))
    }

    /// The smallest rectangle within `area` holding every pixel for which `predicate` holds; nil when none does.
    public func boundingBox(in area: ScreenRect? = nil, where predicate: (RGB) -> Bool) -> ScreenRect? {
        let area = clipped(area ?? bounds)
        var minX = Int.max, minY = Int.max, maxX = -1, maxY = -1
        for y in area.y..<area.maxY {
            for x in area.x..<area.maxX where predicate(self[x, y]) {
                minX = min(minX, x)
                maxX = max(maxX, x)
                minY = min(minY, y)
                maxY = max(maxY, y)
            }
        }
        guard maxX >= 0 else { return nil }
        return ScreenRect(x: minX, y: minY, width: maxX - minX + 1, height: maxY - minY + 1)
    }

    /// How many pixels within `area` satisfy `predicate`.
    public func count(in area: ScreenRect? = nil, where predicate: (RGB) -> Bool) -> Int {
        let area = clipped(area ?? bounds)
        var n = 0
        for y in area.y..<area.maxY {
            for x in area.x..<area.maxX where predicate(self[x, y]) { n += 1 }
        }
        return n
    }

    /// The smallest rectangle within `area` holding every pixel that differs from `other` (same size); nil
    /// when the two are equal there.
    public func difference(from other: Screenshot, in area: ScreenRect? = nil) -> ScreenRect? {
        guard other.width == width, other.height == height else { return bounds }
        let area = clipped(area ?? bounds)
        var minX = Int.max, minY = Int.max, maxX = -1, maxY = -1
        for y in area.y..<area.maxY {
            for x in area.x..<area.maxX where self[x, y] != other[x, y] {
                minX = min(minX, x)
                maxX = max(maxX, x)
                minY = min(minY, y)
                maxY = max(maxY, y)
            }
        }
        guard maxX >= 0 else { return nil }
        return ScreenRect(x: minX, y: minY, width: maxX - minX + 1, height: maxY - minY + 1)
    }

    /// Copies the image to `$TMPDIR/trainbell-screenshots/<name>.png` for a person to look at (a failing
    /// test names the path); returns the path.
    @discardableResult
    public func keep(as name: String) -> String {
        let directory = NSTemporaryDirectory() + "/trainbell-screenshots"
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let target = directory + "/\(name).png"
        try? FileManager.default.removeItem(atPath: target)
        try? FileManager.default.copyItem(atPath: path, toPath: target)
        return target
    }
}
