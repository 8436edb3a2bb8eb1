/// An object exported on a connection at a path, with the interfaces it implements.
///
/// Every exported object also answers `Properties`, `Introspectable` and `Peer`; one created with
/// `managesObjects` answers `ObjectManager` for the objects below it and announces them as they come and go.
public final class ExportedObject {
    public let path: ObjectPath
    public private(set) var interfaces: [Interface]
    public let managesObjects: Bool
    weak var connection: Connection?

    public init(path: ObjectPath, interfaces: [Interface], managesObjects: Bool = false) {
        self.path = path
        self.interfaces = interfaces
        self.managesObjects = managesObjects
    }

    public func interface(_ name: InterfaceName) -> Interface? { interfaces.first { $0.name == name } }

    /// The values of all readable properties of one interface.
    public func propertyValues(of interface: Interface) -> DBusValue {
        .vardict(interface.properties.filter { $0.access != .write }.map { ($0.name.rawValue, $0.get()) })
    }

    /// Emits `PropertiesChanged` for `names` of `interface`, with values from their getters
    /// (names of properties marked `invalidates` go in the invalidated list).
    public func emitPropertiesChanged(_ interface: InterfaceName, _ names: [MemberName]) {
        guard let connection, let table = self.interface(interface) else { return }
        var changed: [(String, DBusValue)] = []
        var invalidated: [DBusValue] = []
        for name in names {
            guard let property = table.property(name) else { continue }
            switch property.emitsChange {
            case .true: changed.append((name.rawValue, property.get()))
            case .invalidates: invalidated.append(.string(name.rawValue))
            case .const, .false: continue
            }
        }
        guard !changed.isEmpty || !invalidated.isEmpty else { return }
        try? connection.emitSignal(path: path, interface: .properties, member: "PropertiesChanged",
                                   [.string(interface.rawValue), .vardict(changed), .array(.string, invalidated)])
    }

    /// Emits a signal declared by one of this object's interfaces.
    public func emit(_ interface: InterfaceName, _ member: MemberName, _ arguments: [DBusValue]) throws(BusError) {
        guard let connection else { throw BusError(.disconnected, "object \(path) is not exported") }
        try connection.emitSignal(path: path, interface: interface, member: member, arguments)
    }

    /// `a{sa{sv}}`: every interface with its properties, for `InterfacesAdded` and `GetManagedObjects`.
    var interfacesAndProperties: DBusValue {
        .dictionary(key: .string, value: .dictionary(key: .string, value: .variant),
                    allInterfaceNames.map { name in
                        let values = interface(name).map(propertyValues(of:))
                            ?? .dictionary(key: .string, value: .variant, [])
                        return DictEntry(.string(name.rawValue), values)
                    })
    }

    /// The standard interfaces first, then the object's own.
    var allInterfaceNames: [InterfaceName] {
        var names: [InterfaceName] = [.peer, .introspectable, .properties]
        if managesObjects { names.append(.objectManager) }
        return names + interfaces.map(\.name)
    }
}
