import { Module } from '@nestjs/common';
import { SystemController } from './system.controller.js';

/** Heartbeat, readiness, version, pre-flight checks, identity and reset. */
@Module({ controllers: [SystemController] })
export class SystemModule {}
