// Package taxii serves the node's collections over TAXII 2.1 and holds a
// small TAXII 2.1 client for federation.
//
// The server exposes one API root, /taxii2/api/, below the discovery
// endpoint /taxii2/. Every request, discovery included, must authenticate
// (HTTP Basic with the principal's name and token, or a bearer token): a
// node holds restricted information, and even its list of API roots is
// nothing an anonymous caller needs.
//
// The package holds no access rules. The object and collection stores it is
// given are the policy's guard, which scopes every query to what the
// principal in ctx may read; the Authorizer answers the collection-level
// read and write questions; writes go through the Ingester. A collection or
// object the caller may not read is answered with 404, exactly as one that
// does not exist.
package taxii
