// Package docs holds the API's machine-readable descriptions: the OpenAPI document of the REST
// routes and the AsyncAPI document of the event stream. They are embedded so that the server
// serves the very file the contract tests check its answers against.
package docs

import _ "embed"

// OpenAPI is docs/openapi.yaml (OpenAPI 3.1), served at GET /api/openapi.yaml.
//
//go:embed openapi.yaml
var OpenAPI []byte

// AsyncAPI is docs/asyncapi.yaml (AsyncAPI 3.0): the WebSocket's messages and close codes.
//
//go:embed asyncapi.yaml
var AsyncAPI []byte
