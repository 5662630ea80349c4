// Package api holds the OpenAPI document generated from the swag annotations
// (`make openapi`), embedded so the API binary serves exactly what is committed.
package api

import _ "embed"

// SwaggerJSON is api/swagger.json.
//
//go:embed swagger.json
var SwaggerJSON []byte
