/// Introspection XML, generated from the same interface tables that dispatch uses.
public enum Introspection {
    public static let doctype = """
        <!DOCTYPE node PUBLIC "-//freedesktop//DTD D-BUS Object Introspection 1.0//EN"
         "http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd">
        """

    /// The standard interfaces every exported object answers, as tables (for introspection only:
    /// `Connection` dispatches them itself).
    static var peer: Interface { Interface(.peer, methods: [
        Method("Ping") { _ in [] },
        Method("GetMachineId", out: [Argument("machine_uuid", .string)]) { _ in [] },
    ]) }
    static var introspectable: Interface { Interface(.introspectable, methods: [
        Method("Introspect", out: [Argument("xml_data", .string)]) { _ in [] },
    ]) }
    static var properties: Interface { Interface(.properties, methods: [
        Method("Get", in: [Argument("interface_name", .string), Argument("property_name", .string)],
               out: [Argument("value", .variant)]) { _ in [] },
        Method("GetAll", in: [Argument("interface_name", .string)],
               out: [Argument("properties", .dictionary(key: .string, value: .variant))]) { _ in [] },
        Method("Set", in: [Argument("interface_name", .string), Argument("property_name", .string),
                           Argument("value", .variant)]) { _ in [] },
    ], signals: [
        SignalDeclaration("PropertiesChanged", [
            Argument("interface_name", .string),
            Argument("changed_properties", .dictionary(key: .string, value: .variant)),
            Argument("invalidated_properties", .array(.string)),
        ]),
    ]) }
    static var objectManager: Interface { Interface(.objectManager, methods: [
        Method("GetManagedObjects", out: [Argument("objects", Signature("a{oa{sa{sv}}}").types[0])]) { _ in [] },
    ], signals: [
        SignalDeclaration("InterfacesAdded", [
            Argument("object_path", .objectPath),
            Argument("interfaces_and_properties", Signature("a{sa{sv}}").types[0]),
        ]),
        SignalDeclaration("InterfacesRemoved", [
            Argument("object_path", .objectPath),
            Argument("interfaces", .array(.string)),
        ]),
    ]) }

    /// The XML of a node with `interfaces` and child nodes named `children`.
    public static func xml(interfaces: [Interface], children: [String]) -> String {
        var out = doctype + "\n<node>\n"
        for interface in interfaces { out += xml(of: interface, indent: "  ") }
        for child in children { out += "  <node name=\"\(escape(child))\"/>\n" }
        out += "</node>\n"
        return out
    }

    /// One `<interface>` element.
    public static func xml(of interface: Interface, indent: String) -> String {
        let i2 = indent + "  ", i3 = i2 + "  "
        var out = ""
        if let doc = interface.documentation { out += comment(doc, indent: indent) }
        out += "\(indent)<interface name=\"\(interface.name)\">\n"
        for method in interface.methods {
            if let doc = method.documentation { out += comment(doc, indent: i2) }
            let body = method.inArguments.map { arg(i3, $0, direction: "in") }
                + method.outArguments.map { arg(i3, $0, direction: "out") }
                + method.annotations.map { annotation(i3, $0) }
            out += element(i2, "method name=\"\(method.name)\"", body)
        }
        for signal in interface.signals {
            if let doc = signal.documentation { out += comment(doc, indent: i2) }
            out += element(i2, "signal name=\"\(signal.name)\"", signal.arguments.map { arg(i3, $0, direction: nil) })
        }
        for property in interface.properties {
            if let doc = property.documentation { out += comment(doc, indent: i2) }
            let body = property.emitsChange == .true ? [] : [
                annotation(i3, Annotation("org.freedesktop.DBus.Property.EmitsChangedSignal", property.emitsChange.rawValue)),
            ]
            out += element(i2, "property name=\"\(property.name)\" type=\"\(escape(property.type.signature))\" access=\"\(property.access.rawValue)\"", body)
        }
        out += "\(indent)</interface>\n"
        return out
    }

    private static func element(_ indent: String, _ open: String, _ body: [String]) -> String {
        let name = open.prefix { $0 != " " }
        if body.isEmpty { return "\(indent)<\(open)/>\n" }
        return "\(indent)<\(open)>\n" + body.joined() + "\(indent)</\(name)>\n"
    }

    private static func arg(_ indent: String, _ a: Argument, direction: String?) -> String {
        let dir = direction.map { " direction=\"\($0)\"" } ?? ""
        return "\(indent)<arg name=\"\(escape(a.name))\" type=\"\(escape(a.type.signature))\"\(dir)/>\n"
    }

    private static func annotation(_ indent: String, _ a: Annotation) -> String {
        "\(indent)<annotation name=\"\(escape(a.name))\" value=\"\(escape(a.value))\"/>\n"
    }

    /// Documentation as XML comments: the DTD has no element for it.
    private static func comment(_ text: String, indent: String) -> String {
        var safe = text
        while safe.contains("--") { safe = safe.replacing("--", with: "- -") }
        if safe.hasSuffix("-") { safe += " " }
        let lines = safe.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.count == 1 { return "\(indent)<!-- \(safe) -->\n" }
        return "\(indent)<!--\n" + lines.map { "\(indent)  \($0)\n" }.joined() + "\(indent)-->\n"
    }

    static func escape(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(c)
            }
        }
        return out
    }
}

extension Connection {
    /// The introspection XML of the node at `path`.
    public func introspectionXML(at path: ObjectPath) -> String {
        var interfaces: [Interface] = [Introspection.peer, Introspection.introspectable]
        if let object = objects[path] {
            interfaces.append(Introspection.properties)
            if object.managesObjects { interfaces.append(Introspection.objectManager) }
            interfaces += object.interfaces
        }
        return Introspection.xml(interfaces: interfaces, children: childNodes(of: path))
    }
}
