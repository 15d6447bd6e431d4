import { Module } from '@nestjs/common';
import { AccountsController } from './accounts.controller.js';
import { AccountsService } from './accounts.service.js';

/** Signup, login, password reset, invites and API keys over a console session. */
@Module({ controllers: [AccountsController], providers: [AccountsService] })
export class AccountsModule {}
