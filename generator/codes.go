package generator

import "slices"

// BuiltinCodes returns the IANA-registered 4xx and 5xx codes that errpages
// has text for in every built-in locale (IANA HTTP Status Code Registry),
// in order. A project builds all of them unless it lists its own codes.
func BuiltinCodes() []StatusCode { return slices.Clone(builtinCodes) }

var builtinCodes = []StatusCode{
	400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417,
	421, 422, 423, 424, 425, 426, 428, 429, 431, 451,
	500, 501, 502, 503, 504, 505, 506, 507, 508, 510, 511,
}
