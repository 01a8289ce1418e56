import { ApiProperty } from '@nestjs/swagger';
import {
  CATEGORIES,
  EMOTION_LEVELS,
  SIGNAL_SOURCES,
  type Category,
  type EmotionLevel,
  type SignalSource,
} from '@cx/domain';

/** The emotion part of a profile (slide 11). */
export class EmotionViewDto {
  @ApiProperty({ enum: EMOTION_LEVELS, example: 'enjoyment' })
  level!: EmotionLevel;

  @ApiProperty({
    type: Number,
    nullable: true,
    example: 0.912345678,
    description: 'Weighted mean valence, −2…2, rounded to 9 decimals; null without any signal.',
  })
  score!: number | null;

  @ApiProperty({ example: 'I like it' })
  feeling!: string;

  @ApiProperty({ example: 'medium' })
  recall!: string;

  @ApiProperty({ example: 'shares with a few' })
  impact!: string;

  @ApiProperty({ example: 7, description: 'Number of experience signals behind the score.' })
  signals!: number;
}

export class EmotionSignalDto {
  @ApiProperty({ example: 'tp-2025-000017' })
  touchpointId!: string;

  @ApiProperty({ example: '2025-01-03T10:00:00.000Z' })
  occurredAt!: string;

  @ApiProperty({ enum: CATEGORIES, example: 'human' })
  category!: Category;

  @ApiProperty({ enum: SIGNAL_SOURCES, example: 'nps' })
  source!: SignalSource;

  @ApiProperty({ example: 1, description: 'Valence −2…2.' })
  valence!: number;

  @ApiProperty({
    example: 0.5,
    description:
      'Weight 0.5^((T − t)/H), T the latest touchpoint time, H the half-life; 9 decimals.',
  })
  weight!: number;
}

export class CustomerEmotionResponseDto {
  @ApiProperty({ example: 'cust-000042' })
  customerId!: string;

  @ApiProperty({ enum: EMOTION_LEVELS, example: 'enjoyment' })
  level!: EmotionLevel;

  @ApiProperty({ type: Number, nullable: true, example: 0.912345678 })
  score!: number | null;

  @ApiProperty({ example: 'I like it' })
  feeling!: string;

  @ApiProperty({ example: 'medium' })
  recall!: string;

  @ApiProperty({ example: 'shares with a few' })
  impact!: string;

  @ApiProperty({ example: 7 })
  signalCount!: number;

  @ApiProperty({
    type: () => [EmotionSignalDto],
    description: 'The evidence: every signal behind the score, in event-time order.',
  })
  signals!: EmotionSignalDto[];
}
