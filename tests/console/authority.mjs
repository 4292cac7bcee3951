// An OpenID Connect authority for the console's sign-in test: oidc-provider (a certified implementation) with its
// development login, which takes any login and password. The login names the account; the admins get the admin role.
// Input: one JSON argument {clientId, redirectUri, audience, resource, scopes, admins}.
// Output: a line {"issuer": …} once it listens, then a line per grant the token endpoint decides; runs until killed.
import { Provider } from 'oidc-provider';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

const input = JSON.parse(process.argv[2]);
const say = line => process.stdout.write(`${JSON.stringify(line)}\n`);

const server = createServer();
await new Promise(resolve => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const provider = new Provider(issuer, {
  clients: [{
    client_id: input.clientId, token_endpoint_auth_method: 'none', redirect_uris: [input.redirectUri],
    grant_types: ['authorization_code'], response_types: ['code']
  }],
  jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'console-test', alg: 'RS256', use: 'sig' }] },
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
  // the service's API as a resource server: its audience, its scopes, tokens it can validate on its own
  features: {
    resourceIndicators: {
      enabled: true,
      defaultResource: () => input.resource,
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({
        audience: input.audience, scope: input.scopes, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } }
      })
    }
  },
  extraTokenClaims: (_ctx, token) => ({ role: input.admins.includes(token.accountId) ? 'admin' : 'customer' }),
  clientBasedCORS: (_ctx, origin, client) => client.redirectUris.some(uri => new URL(uri).origin === origin),
  pkce: { required: () => true }
});
provider.on('grant.success', ctx => say({ grant: 'success', type: ctx.oidc.params.grant_type }));
provider.on('grant.error', (ctx, error) =>
  say({ grant: 'error', type: ctx.oidc.params?.grant_type, error: error.message }));
server.on('request', provider.callback());
say({ issuer });
