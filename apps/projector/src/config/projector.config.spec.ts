import { ConfigValidationError, validateConfig } from '@cx/platform';
import { ProjectorConfig, projectorClientId, projectorInstanceId } from './projector.config';

describe('ProjectorConfig', () => {
  it('leaves a dead instance its partitions for 10 s at most by default', () => {
    expect(validateConfig(ProjectorConfig, {}).PROJECTOR_SESSION_TIMEOUT_MS).toBe(10000);
  });

  it.each([
    ['PROJECTOR_SESSION_TIMEOUT_MS', '5000'],
    ['PROJECTOR_INSTANCE_ID', 'has spaces'],
    ['PROJECTOR_INSTANCE_ID', 'x'.repeat(101)],
  ])('refuses to boot with %s=%s', (name, value) => {
    expect(() => validateConfig(ProjectorConfig, { [name]: value })).toThrow(ConfigValidationError);
  });

  describe('instance id', () => {
    it('is the one given', () => {
      const config = validateConfig(ProjectorConfig, { PROJECTOR_INSTANCE_ID: 'projector-0' });
      expect(projectorInstanceId(config, 'host-a')).toBe('projector-0');
    });

    it('is host and port by default, which no two running instances share', () => {
      const config = validateConfig(ProjectorConfig, { PORT: '3102' });
      expect(projectorInstanceId(config, 'host-a')).toBe('host-a:3102');
    });

    it('is none on a port picked at random (PORT=0)', () => {
      const config = validateConfig(ProjectorConfig, { PORT: '0' });
      expect(projectorInstanceId(config, 'host-a')).toBeNull();
    });

    it('names the Kafka client, which the group lists for each member', () => {
      expect(projectorClientId('host-a.example:3102')).toBe('cx-projector.host-a.example_3102');
      expect(projectorClientId(null)).toBe('cx-projector');
    });
  });
});
