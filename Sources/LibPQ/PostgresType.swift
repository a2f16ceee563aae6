/// The type OIDs LibPQ sends and reads (from PostgreSQL's `pg_type`).
public enum PostgresType {
    public static let bool: UInt32 = 16
    public static let bytea: UInt32 = 17
    public static let char: UInt32 = 18
    public static let name: UInt32 = 19
    public static let int8: UInt32 = 20
    public static let int2: UInt32 = 21
    public static let int4: UInt32 = 23
    public static let text: UInt32 = 25
    public static let json: UInt32 = 114
    public static let float4: UInt32 = 700
    public static let float8: UInt32 = 701
    public static let unknown: UInt32 = 705
    public static let bpchar: UInt32 = 1042
    public static let varchar: UInt32 = 1043
    public static let timestamp: UInt32 = 1114
    public static let timestamptz: UInt32 = 1184
    public static let numeric: UInt32 = 1700
    public static let uuid: UInt32 = 2950
    public static let jsonb: UInt32 = 3802
    public static let int2Array: UInt32 = 1005
    public static let int4Array: UInt32 = 1007
    public static let textArray: UInt32 = 1009
    public static let varcharArray: UInt32 = 1015
    public static let int8Array: UInt32 = 1016
    public static let uuidArray: UInt32 = 2951

    /// The element type of the array types LibPQ reads.
    static let elementOfArray: [UInt32: UInt32] = [
        int2Array: int2, int4Array: int4, textArray: text, varcharArray: varchar,
        int8Array: int8, uuidArray: uuid,
    ]

    static let names: [UInt32: String] = [
        bool: "boolean", bytea: "bytea", char: "char", name: "name", int8: "bigint", int2: "smallint",
        int4: "integer", text: "text", json: "json", float4: "real", float8: "double precision",
        unknown: "unknown", bpchar: "character", varchar: "character varying", timestamp: "timestamp",
        timestamptz: "timestamptz", numeric: "numeric", uuid: "uuid", jsonb: "jsonb",
        int2Array: "smallint[]", int4Array: "integer[]", textArray: "text[]",
        varcharArray: "character varying[]", int8Array: "bigint[]", uuidArray: "uuid[]",
    ]

    static func describe(_ oid: UInt32) -> String {
        names[oid] ?? "type OID \(oid)"
    }
}
