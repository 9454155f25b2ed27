/**
 * Secret addresses (customer-gateway IPs, the block producer's addresses) live in SSM parameters whose NAMES
 * the config holds. This test synthesizes the whole app and checks that no template carries an address a
 * user would store there, and that every customer gateway's IP is an SSM-typed stack parameter.
 */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from './support/example';

/**
 * Example secret values, as a user would put them in SSM (documentation ranges 192.0.2.0/24, 198.51.100.0/24
 * and 2001:db8::/32 outside 2001:db8:10::/48). Deliberately distinct from the physical seed cluster's PUBLIC
 * endpoints in the example config (203.0.113.x, 2001:db8:10::), which must be in DNS.
 */
const SECRET_ADDRESSES = [
  '198.51.100.7', // green-mountain line-a customer gateway
  '198.51.100.8', // green-mountain line-b customer gateway
  '192.0.2.21', // standby-bp line-a customer gateway
  '192.0.2.22', // standby-bp line-b customer gateway
  '2001:db8:bb::1', // block producer p2p
  '2001:db8:bb::2', // standby block producer p2p
];
/** Any address of the secret documentation ranges, so a secret not in the list above is caught too. */
const SECRET_PATTERNS = [/\b198\.51\.100\.\d{1,3}\b/, /\b192\.0\.2\.\d{1,3}\b/, /2001:db8:(?!10:)[0-9a-f]{1,4}:/i];

/** The secret addresses found in a template's text. */
function secretsIn(text: string): string[] {
  return [...SECRET_ADDRESSES.filter((a) => text.includes(a)), ...SECRET_PATTERNS.flatMap((p) => text.match(p) ?? [])];
}

describe('secrets stay out of every template', () => {
  const { stacks } = buildApp();
  const all: Stack[] = [...stacks.clusters, stacks.dns, stacks.controlPlane];
  const templates = all.map((s) => ({ name: s.stackName, template: Template.fromStack(s) }));

  test.each(templates.map((t) => [t.name, t.template] as const))('when %s is synthesized, no secret address appears in it', (_name, template) => {
    // GIVEN / WHEN
    const text = JSON.stringify(template.toJSON());
    // THEN
    expect(secretsIn(text)).toEqual([]);
  });

  test('when a template does carry a secret address, the check finds it', () => {
    // GIVEN: a customer gateway with its IP written in, the mistake this test exists for
    const text = JSON.stringify({ Resources: { Cgw: { Type: 'AWS::EC2::CustomerGateway', Properties: { IpAddress: '198.51.100.99' } } }, Peers: '[2001:db8:bb::9]:9876' });
    // WHEN / THEN
    expect(secretsIn(text)).toEqual(['198.51.100.99', '2001:db8:bb:']);
    expect(secretsIn(JSON.stringify({ Seeds: ['203.0.113.10', '2001:db8:10::10'] }))).toEqual([]);
  });

  test('when the app is synthesized, every customer gateway IpAddress is a Ref to an SSM-typed parameter holding only a name', () => {
    // GIVEN
    let gateways = 0;
    for (const { template } of templates) {
      const json = template.toJSON();
      // WHEN
      for (const cgw of Object.values(template.findResources('AWS::EC2::CustomerGateway'))) {
        gateways += 1;
        const ip = cgw.Properties.IpAddress;
        // THEN
        expect(Object.keys(ip)).toEqual(['Ref']);
        const parameter = json.Parameters?.[ip.Ref];
        expect(parameter?.Type).toBe('AWS::SSM::Parameter::Value<String>');
        expect(parameter?.Default).toMatch(/^\/seedshield\//);
      }
    }
    // Two sites x two lines in each of the example's three clusters.
    expect(gateways).toBe(12);
  });

  test('when the app is synthesized, no stack outputs an address-like value', () => {
    // GIVEN / WHEN
    const outputs = JSON.stringify(templates.map(({ template }) => template.toJSON().Outputs ?? {}));
    // THEN
    expect(outputs).not.toMatch(/\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b/);
  });
});
